package io.tributary.broker.interop;

import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What the consumer-group interop tests share: a broker whose group coordinator answers at once, topics filled with
 * a known number of records per partition, a Java consumer that joins a group and commits chosen offsets, and the
 * committed offsets as the Java admin client reads them back.
 */
final class GroupFixture {
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

    private GroupFixture() {
    }

    /**
     * A broker that completes a group's first rebalance without the default 3 s wait for more members, with a
     * small offsets topic.
     */
    static TestBroker startBroker(Path dataDir) {
        return TestBroker.start(dataDir, Map.of("group.initial.rebalance.delay.ms", "0",
                "offsets.topic.num.partitions", "3"));
    }

    /**
     * Creates {@code topic} with one partition per entry of {@code recordsPerPartition} and writes that many records
     * to each: partition p holds key-p-i / value-p-i at offset i.
     */
    static void createAndFill(String bootstrap, String topic, int... recordsPerPartition) throws Exception {
        Clients.createTopic(bootstrap, topic, recordsPerPartition.length, Map.of());
        append(bootstrap, topic, 0, recordsPerPartition);
    }

    /** Appends {@code counts[p]} more records to each partition p, numbered on from {@code firstIndex}. */
    static void append(String bootstrap, String topic, int firstIndex, int... counts) {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
            for (int partition = 0; partition < counts.length; partition++) {
                for (int i = firstIndex; i < firstIndex + counts[partition]; i++) {
                    producer.send(new ProducerRecord<>(topic, partition, key(partition, i), value(partition, i)));
                }
            }
            producer.flush();
        }
    }

    static String key(int partition, int i) {
        return "key-" + partition + "-" + i;
    }

    static String value(int partition, int i) {
        return "value-" + partition + "-" + i;
    }

    /**
     * A Java consumer (classic protocol, no auto-commit) subscribed to {@code topic} in {@code group}, returned once
     * the group assigned it {@code partitions} partitions; it stays a member until closed.
     */
    static KafkaConsumer<String, String> joinedConsumer(String bootstrap, String group, String clientId,
                                                        String topic, int partitions) {
        KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId));
        try {
            consumer.subscribe(List.of(topic));
            await().atMost(JOIN_TIMEOUT).pollInSameThread().until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return consumer.assignment().size() == partitions;
            });
            return consumer;
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /** Joins {@code group}, commits {@code offsets[p]} for each partition p of {@code topic}, and leaves. */
    static void commitAndLeave(String bootstrap, String group, String topic, long... offsets) {
        try (KafkaConsumer<String, String> consumer = joinedConsumer(bootstrap, group, group + "-client", topic,
                offsets.length)) {
            consumer.commitSync(offsets(topic, offsets));
        }
    }

    /** {@code offsets[p]} as the committed offset of partition p of {@code topic}. */
    static Map<TopicPartition, OffsetAndMetadata> offsets(String topic, long... offsets) {
        var result = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (int partition = 0; partition < offsets.length; partition++) {
            result.put(new TopicPartition(topic, partition), new OffsetAndMetadata(offsets[partition]));
        }
        return result;
    }

    /**
     * The group's committed offsets as "topic-partition=offset" in partition order, through the Java admin (which
     * reports a partition the broker answered with offset -1 as {@code null}).
     */
    static List<String> committed(String bootstrap, String group) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            var sorted = new TreeMap<TopicPartition, OffsetAndMetadata>(
                    Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            sorted.putAll(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
            var lines = new ArrayList<String>();
            sorted.forEach((partition, offset) ->
                    lines.add(partition + "=" + (offset == null ? null : offset.offset())));
            return lines;
        }
    }
}
