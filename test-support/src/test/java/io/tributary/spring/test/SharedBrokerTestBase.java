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

/**
 * Two classes with the same configuration ({@link SharedBrokerFirstTest}, {@link SharedBrokerSecondTest}) get one
 * cached context, whichever runs first, and so one broker: the one the application's own auto-configuration
 * started, even though the application's configuration names another cluster.
 */
@SpringBootTest(classes = TestApp.class, properties = {"spring.application.name=shared",
        "spring.kafka.bootstrap-servers=unreachable.invalid:9092"})
@EmbeddedTributary
abstract class SharedBrokerTestBase {

    @Autowired
    ApplicationContext context;

    @Autowired
    KafkaConnectionDetails connection;

    @Autowired
    EmbeddedBroker broker;

    @Autowired
    EventTemplate events;

    @Autowired
    TestApp app;

    @Test
    void usesTheApplicationsEmbeddedBrokerAndTheCachedContext() throws Exception {
        assertThat(connection.getBootstrapServers()).containsExactly(broker.bootstrapServers());
        assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:").doesNotEndWith(":0");
        TestApp.SHARED_CONTEXT.compareAndSet(null, context);
        assertThat(context).isSameAs(TestApp.SHARED_CONTEXT.get());

        var ping = new TestApp.Ping(getClass().getSimpleName());
        events.publish(ping).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.pings.contains(ping));
    }
}
