package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.DeliverySemantics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A listener running exactly-once sends through {@link EventTemplate} and then fails on some records: what it
 * sent before failing is aborted with the transaction, so a read_committed consumer sees exactly one output per
 * input, and the record that keeps failing goes to the DLT in the transaction that commits its offset.
 */
@SpringBootTest(classes = ExactlyOnceListenerTest.App.class, properties = {
        "spring.application.name=exactly-once-test", "tributary.broker.ephemeral=true",
        "tributary.listener.backoff=10ms", "tributary.listener.max-attempts=3"})
class ExactlyOnceListenerTest {

    @Topic(name = "eos-payments", partitions = 2)
    record PaymentRequested(String id, long amountCents) {
    }

    @Topic(name = "eos-receipts")
    record ReceiptIssued(String paymentId, long amountCents) {
    }

    @SpringBootApplication
    static class App {
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

        @Autowired
        EventTemplate events;

        @TopicListener(delivery = DeliverySemantics.EXACTLY_ONCE)
        void onPayment(PaymentRequested payment) {
            int attempt = attempts.computeIfAbsent(payment.id(), id -> new AtomicInteger()).incrementAndGet();
            events.publish(payment.id(), new ReceiptIssued(payment.id(), payment.amountCents()));
            if (payment.id().startsWith("retry") && attempt == 1) {
                throw new IllegalStateException("fails after sending, first attempt only");
            }
            if (payment.id().startsWith("poison")) {
                throw new IllegalStateException("always fails after sending");
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
    void sendsOfAFailedAttemptAreAbortedAndEachInputYieldsOneCommittedOutput() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = (i % 7 == 3 ? "retry-" : "ok-") + i;
            ids.add(id);
            events.publish(id, new PaymentRequested(id, i * 100L)).get();
        }
        events.publish("poison-1", new PaymentRequested("poison-1", 1)).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.attempts.getOrDefault("poison-1",
                new AtomicInteger()).get() == 3 && ids.stream().allMatch(app.attempts::containsKey));
        Map<String, List<String>> committed = readCommitted("eos-receipts", ids.size());
        Map<String, List<String>> deadLetters = readCommitted("eos-payments.DLT", 1);

        assertThat(committed.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        committed.forEach((id, values) -> assertThat(values).as(id).hasSize(1));
        assertThat(committed.get("ok-5").get(0)).contains("\"amountCents\":500");
        assertThat(app.attempts.get("retry-3").get()).isEqualTo(2);
        assertThat(deadLetters).containsOnlyKeys("poison-1");
    }

    /** Reads a topic from the start under read_committed until {@code keys} distinct keys arrived and it is idle. */
    private Map<String, List<String>> readCommitted(String topic, int keys) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", connection.getBootstrapServers()));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "verifier-" + topic);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, List<String>> byKey = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int idlePolls = 0;
            while (System.nanoTime() < deadline && (byKey.size() < keys || idlePolls < 3)) {
                var records = consumer.poll(Duration.ofMillis(300));
                idlePolls = records.isEmpty() ? idlePolls + 1 : 0;
                for (ConsumerRecord<String, String> record : records) {
                    byKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
                }
            }
        }
        return byKey;
    }
}
