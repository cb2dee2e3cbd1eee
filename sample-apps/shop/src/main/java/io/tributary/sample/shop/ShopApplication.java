package io.tributary.sample.shop;

import io.tributary.sample.events.ShopEvents;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The whole shop in one JVM, on the embedded broker: order-service, billing-service and notification-service,
 * each with its own consumer group, exactly as they run as separate processes.
 *
 * <pre>
 * ./mvnw -q -pl sample-apps/shop -am -DskipTests package &amp;&amp; java -jar sample-apps/shop/target/shop.jar
 * curl -X POST localhost:8080/orders -H 'Content-Type: application/json' -d '{"customer":"ada","amountCents":4200}'
 * curl localhost:8080/orders; curl localhost:8080/notifications; curl localhost:8080/actuator/tributary
 * </pre>
 */
@SpringBootApplication(scanBasePackages = {"io.tributary.sample.shop", "io.tributary.sample.order",
        "io.tributary.sample.billing", "io.tributary.sample.notification"})
@AutoConfigurationPackage(basePackageClasses = ShopEvents.class)
public class ShopApplication {

    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }
}
