package io.tributary.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;

/**
 * Two classes with the same configuration ({@link SharedBrokerFirstTest}, {@link SharedBrokerSecondTest}) both get
 * the shared broker and the one cached context, whichever runs first.
 */
@SpringBootTest(classes = TestApp.class, properties = "spring.application.name=shared")
@EmbeddedTributary
abstract class SharedBrokerTestBase {

    @Autowired
    ApplicationContext context;

    @Autowired
    KafkaConnectionDetails connection;

    @Autowired
    EventTemplate events;

    @Autowired
    TestApp app;

    @Test
    void usesTheSharedBrokerAndTheCachedContext() throws Exception {
        assertThat(connection.getBootstrapServers()).containsExactly(TestBrokers.shared(1).bootstrapServers());
        assertThat(connection.getBootstrapServers().get(0)).startsWith("127.0.0.1:").doesNotEndWith(":0");
        TestApp.SHARED_CONTEXT.compareAndSet(null, context);
        assertThat(context).isSameAs(TestApp.SHARED_CONTEXT.get());
        assertThat(context.getBeanNamesForType(io.tributary.spring.broker.EmbeddedBroker.class))
                .as("the application starts no broker of its own").isEmpty();

        var ping = new TestApp.Ping(getClass().getSimpleName());
        events.publish(ping).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.pings.contains(ping));
    }
}
