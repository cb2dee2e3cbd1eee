package io.tributary.broker.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Reads a whole topic, every partition from its beginning, with a {@code read_committed} consumer: what a downstream
 * consumer of an exactly-once application sees.
 */
public final class CommittedReader {
    private CommittedReader() {
    }

    /**
     * Polls until the records read so far satisfy {@code done} or {@code timeout} passed, then polls once more for
     * 500 ms so that records beyond the expected ones (a duplicate, say) are part of the answer too. Returns the
     * records partition by partition, each partition in offset order; after a timeout, those that arrived.
     */
    public static <V> List<ConsumerRecord<String, V>> readUntil(String bootstrap, String topic,
                                                                Deserializer<V> valueDeserializer,
                                                                Predicate<List<ConsumerRecord<String, V>>> done,
                                                                Duration timeout) {
        var props = new HashMap<String, Object>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        var records = new ArrayList<ConsumerRecord<String, V>>();
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), valueDeserializer)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            try {
                await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(10)).until(() -> {
                            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                            return done.test(records);
                        });
            } catch (ConditionTimeoutException e) {
                // What arrived is the answer; the caller's exact assertion on it says what is missing or extra.
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        var byPartition = new ArrayList<>(records);
        byPartition.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return byPartition;
    }
}
