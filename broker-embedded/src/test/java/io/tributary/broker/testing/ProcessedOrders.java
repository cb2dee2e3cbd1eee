package io.tributary.broker.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The input and output of the exactly-once tests' {@link TransformProcess}: order {@code i} is key {@code "k-i"},
 * value {@code "order-i"} on partition {@code i % partitions}; its output is {@code "processed-order-i"} under the
 * same key on the same partition of the output topic.
 */
public final class ProcessedOrders {
    private ProcessedOrders() {
    }

    /** What the output topic must hold, per partition in offset order, as "key=value". */
    public static List<List<String>> expected(int records, int partitions) {
        var byPartition = new ArrayList<List<String>>();
        for (int p = 0; p < partitions; p++) {
            byPartition.add(new ArrayList<>());
        }
        for (int i = 0; i < records; i++) {
            byPartition.get(i % partitions).add("k-" + i + "=processed-order-" + i);
        }
        return byPartition;
    }

    /**
     * Reads {@code topic} with read_committed until {@code expected} records came, per partition in offset order, as
     * "key=value", and half a second beyond, so a duplicate shows up.
     */
    public static List<List<String>> readCommitted(String bootstrap, String topic, int partitions, int expected) {
        var byPartition = new ArrayList<List<String>>();
        var assigned = new ArrayList<TopicPartition>();
        for (int p = 0; p < partitions; p++) {
            byPartition.add(new ArrayList<>());
            assigned.add(new TopicPartition(topic, p));
        }
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            int[] count = {0};
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    byPartition.get(record.partition()).add(record.key() + "=" + record.value());
                    count[0]++;
                }
                return count[0] >= expected;
            });
            consumer.poll(Duration.ofMillis(500)).forEach(record ->
                    byPartition.get(record.partition()).add(record.key() + "=" + record.value()));
        }
        return byPartition;
    }
}
