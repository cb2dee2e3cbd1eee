package io.tributary.spring.zeroconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.identity.ApplicationIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An application with no configuration at all (no properties, no spring.application.name) starts its embedded
 * broker in a durable per-application directory under the user's home, takes its name from the main class, and
 * delivers exactly-once with a transactional id of its own instance. The user's home is a temporary folder here.
 */
class ZeroConfigurationTest {

    @Topic(name = "zero-receipts")
    record Receipt(String id) {
    }

    @Topic(name = "zero-printed")
    record Printed(String id) {
    }

    @SpringBootApplication
    static class ReceiptPrinterApplication {
        final List<String> printed = new CopyOnWriteArrayList<>();

        @Autowired
        EventTemplate events;

        @TopicListener(delivery = DeliverySemantics.EXACTLY_ONCE)
        void print(Receipt receipt) {
            events.publish(receipt.id(), new Printed(receipt.id()));
        }

        @TopicListener
        void printed(Printed printed) {
            this.printed.add(printed.id());
        }
    }

    @TempDir
    Path home;

    @Test
    void startsDerivesItsNameAndDeliversWithNoConfiguration() throws Exception {
        String savedHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        SpringApplication application = new SpringApplication(ReceiptPrinterApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        try (ConfigurableApplicationContext context = application.run()) {
            ApplicationIdentity identity = context.getBean(ApplicationIdentity.class);
            assertThat(identity.name()).isEqualTo("receipt-printer");
            Path dataDir = home.resolve(".tributary").resolve("receipt-printer");
            assertThat(context.getBean(EmbeddedBroker.class).dataDir()).isEqualTo(dataDir);

            context.getBean(EventTemplate.class).publish("r-1", new Receipt("r-1")).get();

            ReceiptPrinterApplication app = context.getBean(ReceiptPrinterApplication.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.printed.contains("r-1"));
            assertThat(identity.transactionIdPrefix()).startsWith("receipt-printer-" + identity.instanceId());
            assertThat(dataDir.resolve("instances")).isDirectory();
        } finally {
            System.setProperty("user.home", savedHome);
        }
        assertThat(Files.isDirectory(home.resolve(".tributary").resolve("receipt-printer")))
                .as("the data stays after the application stops").isTrue();
    }
}
