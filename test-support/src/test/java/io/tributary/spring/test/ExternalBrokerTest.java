package io.tributary.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.broker.EmbeddedBroker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

/** With {@code external = true} the application starts no broker and uses the JVM's shared one as a cluster. */
@SpringBootTest(classes = TestApp.class, properties = "spring.application.name=external")
@EmbeddedTributary(external = true)
class ExternalBrokerTest {

    @Autowired
    ApplicationContext context;

    @Autowired
    KafkaConnectionDetails connection;

    @Autowired
    EventTemplate events;

    @Autowired
    TestApp app;

    @Test
    void usesTheSharedBrokerThroughBootstrapServers() throws Exception {
        assertThat(connection.getBootstrapServers()).containsExactly(TestBrokers.shared(1).bootstrapServers());
        assertThat(context.getBeanNamesForType(EmbeddedBroker.class)).as("the application starts no broker").isEmpty();
        events.publish(new TestApp.Ping("external")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.pings.contains(new TestApp.Ping("external")));
    }
}
