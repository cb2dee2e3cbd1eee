package io.tributary.spring.listener;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Which keys of each partition have records in the retry topic, for {@code keepKeyOrder}: by key, the offsets those
 * records had in the listened-to topic (with a count, since after a crash a record can be forwarded twice). A
 * record of key K at original offset m waits behind the others, i.e. is forwarded to the retry topic without
 * reaching the listener, while a record of K with an offset below m is still in the retry topic. Since a record
 * and the later records of its key go to the same retry partition, the listener sees a key's records in the order
 * they had in the listened-to topic.
 *
 * <p>Partition {@code p} here means partition p of the listened-to topic together with partition p of its retry
 * topic, which the RangeAssignor gives to one consumer. Its state is replaced from the retry partition's backlog
 * when that consumer is assigned it ({@link RetryTopicBacklog}) and dropped when it is revoked; in between, only
 * that consumer's thread changes it, so each partition's state is guarded by its own monitor only to hand it
 * over between threads safely.
 *
 * <p>A change made inside a Kafka transaction (exactly-once) takes effect when the transaction commits: an aborted
 * forward never reaches a read_committed consumer, so it must not hold a key either.
 */
final class RetryTopicKeyOrder {
    private final Map<TopicPartition, PartitionKeys> partitions = new ConcurrentHashMap<>();

    /** A record in a retry partition: its key and the offset it had in the listened-to topic. */
    record Waiting(Object key, long originalOffset) {
    }

    /** Whether a record of {@code key} with an original offset below {@code originalOffset} is in retry. */
    boolean hasEarlier(TopicPartition partition, Object key, long originalOffset) {
        PartitionKeys keys = partitions.get(partition);
        return key != null && keys != null && keys.hasEarlier(identity(key), originalOffset);
    }

    /** A record was forwarded to the retry topic. */
    void forwarded(TopicPartition partition, Object key, long originalOffset) {
        if (key != null) {
            afterCommit(() -> keys(partition).add(identity(key), originalOffset));
        }
    }

    /** A record of the retry topic was handled: delivered, dead-lettered or forwarded again (then also forwarded). */
    void resolved(TopicPartition partition, Object key, long originalOffset) {
        if (key != null) {
            afterCommit(() -> keys(partition).remove(identity(key), originalOffset));
        }
    }

    /** The consumer was assigned {@code partition}, whose retry partition holds {@code backlog}. */
    void assigned(TopicPartition partition, Collection<Waiting> backlog) {
        PartitionKeys keys = new PartitionKeys();
        backlog.stream().filter(waiting -> waiting.key() != null)
                .forEach(waiting -> keys.add(identity(waiting.key()), waiting.originalOffset()));
        partitions.put(partition, keys);
    }

    void revoked(TopicPartition partition) {
        partitions.remove(partition);
    }

    private PartitionKeys keys(TopicPartition partition) {
        return partitions.computeIfAbsent(partition, p -> new PartitionKeys());
    }

    private static void afterCommit(Runnable change) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    change.run();
                }
            });
        } else {
            change.run();
        }
    }

    /** Keys compare by value; a byte[] key by its bytes. */
    private static Object identity(Object key) {
        return key instanceof byte[] bytes ? ByteBuffer.wrap(bytes) : key;
    }

    /** One partition's keys in retry: by key, original offsets with how many copies are in the retry topic. */
    private static final class PartitionKeys {
        private final Map<Object, TreeMap<Long, Integer>> offsetsByKey = new HashMap<>();

        synchronized boolean hasEarlier(Object key, long originalOffset) {
            TreeMap<Long, Integer> offsets = offsetsByKey.get(key);
            return offsets != null && offsets.firstKey() < originalOffset;
        }

        synchronized void add(Object key, long originalOffset) {
            offsetsByKey.computeIfAbsent(key, k -> new TreeMap<>()).merge(originalOffset, 1, Integer::sum);
        }

        synchronized void remove(Object key, long originalOffset) {
            TreeMap<Long, Integer> offsets = offsetsByKey.get(key);
            if (offsets == null) {
                return;
            }
            offsets.computeIfPresent(originalOffset, (offset, copies) -> copies > 1 ? copies - 1 : null);
            if (offsets.isEmpty()) {
                offsetsByKey.remove(key);
            }
        }
    }
}
