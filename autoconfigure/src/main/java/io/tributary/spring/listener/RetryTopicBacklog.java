package io.tributary.spring.listener;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * Reads what a retry partition holds for {@code keepKeyOrder} when a consumer is assigned it: the key and original
 * offset of each record from the consumer's position (the group's committed offset) to the partition's end, with
 * a consumer of its own that joins no group. This is the state {@link RetryTopicKeyOrder} keeps for the partition,
 * so a restarted application, or the instance a rebalance moved the partition to, holds the same keys as the one
 * before it. It runs inside the rebalance, before the consumer polls the partition's first records.
 *
 * <p>Also checks that the retry topic has its topic's partition count: otherwise the RangeAssignor cannot give
 * partition p of both to one consumer, and key order holds only while the application runs alone.
 */
final class RetryTopicBacklog {
    private static final Logger log = LoggerFactory.getLogger(RetryTopicBacklog.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final ConsumerFactory<Object, Object> consumers;
    private final RetryTopicNames topics;
    private final Duration timeout;
    private final Clock clock;

    /** @param timeout longest read of one partition's backlog; what is unread then holds no key */
    RetryTopicBacklog(ConsumerFactory<Object, Object> consumers, RetryTopicNames topics, Duration timeout,
                      Clock clock) {
        this.consumers = consumers;
        this.topics = topics;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The records of {@code retryPartition} from {@code position} to its current end. */
    List<RetryTopicKeyOrder.Waiting> read(TopicPartition retryPartition, long position) {
        var properties = new Properties();
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<RetryTopicKeyOrder.Waiting> backlog = new ArrayList<>();
        try (Consumer<Object, Object> reader = consumers.createConsumer(null, null, "-retry-backlog", properties)) {
            checkPartitions(reader, retryPartition.topic());
            reader.assign(List.of(retryPartition));
            reader.seek(retryPartition, position);
            long end = reader.endOffsets(List.of(retryPartition)).get(retryPartition);
            long deadline = clock.millis() + timeout.toMillis();
            while (reader.position(retryPartition) < end && clock.millis() < deadline) {
                for (ConsumerRecord<Object, Object> record : reader.poll(POLL)) {
                    if (record.offset() < end) {
                        backlog.add(new RetryTopicKeyOrder.Waiting(record.key(),
                                RetryTopicHeaders.originalOffset(record)));
                    }
                }
            }
            if (reader.position(retryPartition) < end) {
                log.warn("Read {} of {} records of {} within {}: later records of their keys may overtake the"
                        + " unread ones", backlog.size(), end - position, retryPartition, timeout);
            }
        }
        return backlog;
    }

    private void checkPartitions(Consumer<Object, Object> reader, String retryTopic) {
        String topic = topics.mainTopic(retryTopic);
        int partitions = reader.partitionsFor(topic).size();
        int retryPartitions = reader.partitionsFor(retryTopic).size();
        if (partitions != retryPartitions) {
            log.error("Topic {} has {} partitions but its retry topic {} has {}: keepKeyOrder then holds only while"
                    + " one consumer has all partitions of both. Give both topics the same partition count.", topic,
                    partitions, retryTopic, retryPartitions);
        }
    }
}
