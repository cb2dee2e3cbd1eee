package io.tributary.sample.shop;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Places one order through the shop's own HTTP API once it is up, so a first run shows events flowing without any
 * action. Off with {@code shop.demo-order=false}.
 */
@Component
@ConditionalOnBooleanProperty(name = "shop.demo-order", matchIfMissing = true)
class DemoOrder {
    private static final Logger log = LoggerFactory.getLogger(DemoOrder.class);

    @EventListener(ApplicationReadyEvent.class)
    void placeDemoOrder(ApplicationReadyEvent ready) {
        Environment environment = ready.getApplicationContext().getEnvironment();
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        String base = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/orders"))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"customer\":\"demo\",\"amountCents\":4200}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            log.info("The shop is open at {}: placed a demo order ({}). Try:\n"
                    + "  curl -X POST {}/orders -H 'Content-Type: application/json' -d '{\"customer\":\"ada\",\"amountCents\":1999}'\n"
                    + "  curl {}/orders   curl {}/notifications   curl {}/actuator/tributary",
                    base, response.statusCode(), base, base, base, base);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Could not place the demo order at {}: {}", base, e.toString());
        }
    }
}
