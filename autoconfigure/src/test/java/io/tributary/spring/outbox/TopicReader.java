package io.tributary.spring.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from its start under read_committed, as a consumer of the events would see it. */
public final class TopicReader {
    private static final Duration BOUND = Duration.ofSeconds(30);

    private TopicReader() {
    }

    /** Values of {@code topic} up to and including the first one that {@code last} accepts. */
    public static List<ConsumerRecord<String, String>> readUntil(String bootstrapServers, String topic,
                                                                 Predicate<String> last) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        try (var consumer = consumer(bootstrapServers)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    read.add(record);
                    if (last.test(record.value())) {
                        return read;
                    }
                }
            }
        }
        throw new AssertionError("no record of " + topic + " matched within " + BOUND + "; read " + read.stream()
                .map(ConsumerRecord::value).toList());
    }

    /** Values of {@code topic} once {@code expected} of them are read and a second passed without another. */
    public static List<String> readIdle(String bootstrapServers, String topic, int expected) {
        List<String> read = new ArrayList<>();
        try (var consumer = consumer(bootstrapServers)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + BOUND.toNanos();
            int idlePolls = 0;
            while (System.nanoTime() < deadline && (read.size() < expected || idlePolls < 4)) {
                var records = consumer.poll(Duration.ofMillis(250));
                idlePolls = records.isEmpty() ? idlePolls + 1 : 0;
                records.forEach(record -> read.add(record.value()));
            }
        }
        return read;
    }

    private static KafkaConsumer<String, String> consumer(String bootstrapServers) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer());
    }
}
