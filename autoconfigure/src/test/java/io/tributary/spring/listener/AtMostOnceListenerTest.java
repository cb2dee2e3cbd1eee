package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.DeliverySemantics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;

/** An at-most-once listener that throws loses that record: it is never delivered again, later ones are. */
@SpringBootTest(classes = AtMostOnceListenerTest.App.class, properties = {
        "spring.application.name=at-most-once-test", "tributary.broker.ephemeral=true"})
class AtMostOnceListenerTest {

    @Topic(name = "amo-alerts", partitions = 1)
    record Alert(String id) {
    }

    @SpringBootApplication
    static class App {
        final List<String> attempts = new CopyOnWriteArrayList<>();

        @TopicListener(delivery = DeliverySemantics.AT_MOST_ONCE)
        void onAlert(Alert alert) {
            attempts.add(alert.id());
            if (alert.id().equals("a-2")) {
                throw new IllegalStateException("the mail server is down");
            }
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void recordWhoseListenerThrowsIsLostNotRepeated() throws Exception {
        for (int i = 1; i <= 3; i++) {
            events.publish(new Alert("a-" + i)).get();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> app.attempts.contains("a-3"));
        // The committed offset is already past the failed record, and the record after it was handled:
        // nothing will bring a-2 back.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                String.join(",", connection.getBootstrapServers())))) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin
                        .listConsumerGroupOffsets("at-most-once-test").partitionsToOffsetAndMetadata().get();
                assertThat(offsets.get(new TopicPartition("amo-alerts", 0)).offset()).isEqualTo(3);
            });
        }
        events.publish(new Alert("a-4")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.attempts.contains("a-4"));
        assertThat(app.attempts).containsExactly("a-1", "a-2", "a-3", "a-4");
    }
}
