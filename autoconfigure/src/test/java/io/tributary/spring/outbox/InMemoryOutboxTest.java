package io.tributary.spring.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Without a DataSource, an event whose send fails (its topic does not exist yet and the broker does not create
 * topics) is resent with back-off from memory and arrives once the topic exists, exactly once; max-attempts, which
 * bounds the sends from the outbox table, does not make the in-memory outbox give up.
 */
@SpringBootTest(classes = InMemoryOutboxTest.App.class, properties = {
        "spring.application.name=in-memory-outbox-test", "tributary.broker.ephemeral=true",
        "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "tributary.broker.auto-create-topics=false", "tributary.listener.create-topics=false",
        "spring.kafka.producer.properties.max.block.ms=300", "tributary.outbox.backoff=100ms",
        "tributary.outbox.max-backoff=300ms", "tributary.outbox.max-attempts=1"})
@ExtendWith(OutputCaptureExtension.class)
class InMemoryOutboxTest {

    @Topic(name = "outbox-late-topic")
    record Invoiced(String id) {
    }

    @SpringBootApplication
    static class App {
    }

    @Autowired
    ApplicationEventPublisher publisher;

    @Autowired
    Outbox outbox;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void failedSendIsRetriedUntilTheTopicExistsAndArrivesOnce(CapturedOutput output) throws Exception {
        assertThat(outbox).isInstanceOf(InMemoryOutbox.class);

        publisher.publishEvent(new Invoiced("late"));
        await().atMost(Duration.ofSeconds(20)).until(() -> output.getOut().contains("outbox-late-topic failed"
                + " (attempt 2), retrying"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("outbox-late-topic", 1, (short) 1))).all().get();
        }

        assertThat(TopicReader.readIdle(bootstrap(), "outbox-late-topic", 1)).containsExactly("{\"id\":\"late\"}");
    }

    private String bootstrap() {
        return String.join(",", connection.getBootstrapServers());
    }
}
