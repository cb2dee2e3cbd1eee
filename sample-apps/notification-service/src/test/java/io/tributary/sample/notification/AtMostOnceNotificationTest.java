package io.tributary.sample.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.sample.events.InvoiceIssued;
import io.tributary.sample.notificationservice.NotificationServiceApplication;
import io.tributary.spring.EventTemplate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * At most once, by outcome: the invoice whose notification fails is lost to the notifier, never tried again; the
 * invoices after it are notified; the group's committed offset is past it.
 */
@SpringBootTest(classes = NotificationServiceApplication.class, properties = {"tributary.broker.ephemeral=true",
        "server.port=0", "notification.fail-for=bob"})
class AtMostOnceNotificationTest {

    @Autowired
    Notifier notifier;

    @Autowired
    EventTemplate events;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void failedNotificationIsLostNotRepeated() throws Exception {
        // One key, so all three land in one partition, in this order.
        var sent = new java.util.ArrayList<org.apache.kafka.clients.producer.RecordMetadata>();
        for (String customer : new String[] {"alice", "bob", "carol"}) {
            sent.add(events.publish("same-key", new InvoiceIssued("inv-" + customer, "o-" + customer, customer, 100))
                    .get());
        }
        TopicPartition partition = new TopicPartition("invoices", sent.get(0).partition());

        await().atMost(Duration.ofSeconds(30)).until(() -> notifier.attempts().contains("inv-carol"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                String.join(",", connection.getBootstrapServers())))) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets("notification-service").partitionsToOffsetAndMetadata()
                        .get(10, TimeUnit.SECONDS);
                assertThat(committed.get(partition).offset()).isEqualTo(sent.get(2).offset() + 1);
            });
        }
        // A later invoice is handled too, and bob's still was tried exactly once.
        events.publish("same-key", new InvoiceIssued("inv-dave", "o-dave", "dave", 100)).get();
        await().atMost(Duration.ofSeconds(30)).until(() -> notifier.attempts().contains("inv-dave"));
        assertThat(notifier.attempts()).containsExactly("inv-alice", "inv-bob", "inv-carol", "inv-dave");
        assertThat(notifier.sent()).hasSize(3).noneMatch(text -> text.startsWith("bob"));
    }
}
