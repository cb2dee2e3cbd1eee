package io.tributary.spring.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic from its beginning with a group-less consumer, until an expected number of records has arrived and
 * the consumer has reached the topic's end (so that "exactly n" also means "no more than n").
 */
final class TopicReader {
    private static final Duration POLL = Duration.ofMillis(100);

    private final Map<String, Object> config;

    TopicReader(Map<String, Object> clientConfig) {
        config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Asking for a topic's partitions must not create it on a broker with auto.create.topics.enable.
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    }

    List<ConsumerRecord<String, String>> read(String topic, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of();
            Map<TopicPartition, Long> end = null;
            while (System.nanoTime() < deadline) {
                if (partitions.isEmpty()) {
                    // A topic that does not exist yet has no partitions: ask again until it does.
                    partitions = partitions(consumer.partitionsFor(topic, POLL));
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    continue;
                }
                consumer.poll(POLL).forEach(records::add);
                if (records.size() >= count) {
                    if (end == null) {
                        end = consumer.endOffsets(partitions);
                    }
                    if (reached(consumer, end)) {
                        break;
                    }
                }
            }
        }
        if (records.size() != count) {
            throw new AssertionError("Expected " + count + " record(s) on topic '" + topic + "' within " + timeout
                    + " but found " + records.size() + ": " + describe(records));
        }
        return records;
    }

    private static List<TopicPartition> partitions(List<PartitionInfo> infos) {
        return infos == null ? List.of()
                : infos.stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static List<String> describe(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> r.topic() + "-" + r.partition() + "@" + r.offset() + " key=" + r.key()
                + " value=" + r.value()).toList();
    }
}
