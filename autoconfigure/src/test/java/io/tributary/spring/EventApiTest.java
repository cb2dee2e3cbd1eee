package io.tributary.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;

/**
 * The sending API as a listener sees it: a key keeps its type (a {@code Long} stays a {@code Long}, a {@code UUID} a
 * {@code UUID}, and a consumer outside Tributary reads a {@code Long} key with Kafka's {@code LongDeserializer});
 * headers given to {@code publish} arrive; {@code @Topic(name = "${...}")} resolves placeholders for the template
 * and the listener alike.
 */
@SpringBootTest(classes = EventApiTest.App.class, properties = {
        "spring.application.name=event-api-test", "tributary.broker.ephemeral=true", "api-test.env=qa"})
class EventApiTest {

    @Topic(name = "${api-test.env}.payments")
    record Paid(String id) {
    }

    record Seen(String id, Object key, String channel) {
    }

    @SpringBootApplication
    static class App {
        final List<Seen> seen = new CopyOnWriteArrayList<>();

        @TopicListener
        void onPaid(Paid paid, @Header(KafkaHeaders.RECEIVED_KEY) Comparable<?> key,
                    @Header(name = "channel", required = false) String channel) {
            seen.add(new Seen(paid.id(), key, channel));
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void keysKeepTheirTypeHeadersArriveAndTopicPlaceholdersResolve() throws Exception {
        UUID uuid = UUID.fromString("6f1c1a8e-52a4-4f7e-9d0e-3c2b7a9d1e55");
        assertThat(events.topicOf(new Paid("x"))).isEqualTo("qa.payments");

        events.publish(42L, new Paid("long"), Map.of("channel", "web")).get();
        events.publish(uuid, new Paid("uuid")).get();
        events.publish("text-key", new Paid("string")).get();

        await().atMost(Duration.ofSeconds(20)).until(() -> app.seen.size() >= 3);
        assertThat(app.seen).containsExactly(new Seen("long", 42L, "web"), new Seen("uuid", uuid, null),
                new Seen("string", "text-key", null));

        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", connection.getBootstrapServers()),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new LongDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new org.apache.kafka.common.TopicPartition("qa.payments", 0)));
            consumer.seekToBeginning(consumer.assignment());
            ConsumerRecord<Long, byte[]> first = consumer.poll(Duration.ofSeconds(10)).iterator().next();
            assertThat(first.key()).as("a Long key is Kafka's standard 8-byte encoding").isEqualTo(42L);
        }
    }
}
