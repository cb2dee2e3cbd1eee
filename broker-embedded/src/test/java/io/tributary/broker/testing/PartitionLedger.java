package io.tributary.broker.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the members of one consumer group did, as each reports it: which partitions it owns (its rebalance
 * listener's callbacks), which records it processed and which offsets it committed. The group's guarantees are
 * checked as the events arrive, so a violation is caught when it happens, with who and what:
 *
 * <ul>
 *   <li>a partition is assigned to a member only after its previous owner gave it up (revoked or lost): no
 *       partition is ever owned by two members at once;</li>
 *   <li>a member processes records only of partitions it owns;</li>
 *   <li>a new owner's first record is at the offset last committed for the partition (0 when nothing was: the
 *       topic is fresh and {@code auto.offset.reset=earliest}), and each further record is at the next offset, so
 *       nothing is skipped and a record is processed twice only when a commit before a hand-over failed.</li>
 * </ul>
 *
 * <p>Thread-safe: every member's thread reports here, under this object's lock.
 */
public final class PartitionLedger {
    private static final int MAX_REPORTED = 20;

    private final Map<TopicPartition, String> owners = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    /** The offset the current owner must process next; absent while the partition has no owner. */
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();
    private final Map<TopicPartition, NavigableMap<Long, String>> processedKeys = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final List<String> commitFailures = new ArrayList<>();
    private final Set<Class<? extends Exception>> commitFailureTypes = new HashSet<>();
    private int deliveries;
    private int commitFailureCount;

    public synchronized void assigned(String member, Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            String owner = owners.get(partition);
            if (owner != null && !owner.equals(member)) {
                violation(partition + " assigned to " + member + " while " + owner + " still owns it");
            }
            owners.put(partition, member);
            nextOffset.put(partition, committed.getOrDefault(partition, 0L));
        }
    }

    public synchronized void revoked(String member, Collection<TopicPartition> partitions) {
        release(member, partitions, "revoked");
    }

    public synchronized void lost(String member, Collection<TopicPartition> partitions) {
        release(member, partitions, "lost");
    }

    private void release(String member, Collection<TopicPartition> partitions, String how) {
        for (TopicPartition partition : partitions) {
            String owner = owners.get(partition);
            if (!member.equals(owner)) {
                violation(partition + " " + how + " by " + member + " but owned by " + owner);
                continue;
            }
            owners.remove(partition);
            nextOffset.remove(partition);
        }
    }

    public synchronized void processed(String member, ConsumerRecord<String, String> record) {
        var partition = new TopicPartition(record.topic(), record.partition());
        deliveries++;
        String owner = owners.get(partition);
        if (!member.equals(owner)) {
            violation(member + " processed " + partition + "@" + record.offset() + " but the owner is " + owner);
        } else {
            long expected = nextOffset.get(partition);
            if (record.offset() != expected) {
                violation(member + " processed " + partition + "@" + record.offset() + " where " + expected
                        + " was next (last committed: " + committed.get(partition) + ")");
            }
            nextOffset.put(partition, record.offset() + 1);
        }
        String key = processedKeys.computeIfAbsent(partition, p -> new TreeMap<>()).put(record.offset(), record.key());
        if (key != null && !key.equals(record.key())) {
            violation(partition + "@" + record.offset() + " held " + key + " and then " + record.key());
        }
        if (!record.value().equals("v-" + record.key().substring(2))) {
            violation(partition + "@" + record.offset() + " has key " + record.key() + " but value " + record.value());
        }
    }

    /** Offsets the broker acknowledged for the group, by {@code member} or by anyone the ledger does not track. */
    public synchronized void committed(String member, Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> committed.put(partition, offset.offset()));
    }

    public synchronized void commitFailed(String member, Exception failure) {
        commitFailureCount++;
        commitFailureTypes.add(failure.getClass());
        if (commitFailures.size() < MAX_REPORTED) {
            commitFailures.add(member + ": " + failure);
        }
    }

    private void violation(String description) {
        if (violations.size() < MAX_REPORTED) {
            violations.add(description);
        }
    }

    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** The first few commits that failed (a member keeps what it could not commit and tries again). */
    public synchronized List<String> commitFailures() {
        return List.copyOf(commitFailures);
    }

    public synchronized int commitFailureCount() {
        return commitFailureCount;
    }

    public synchronized Set<Class<? extends Exception>> commitFailureTypes() {
        return Set.copyOf(commitFailureTypes);
    }

    public synchronized Map<TopicPartition, String> owners() {
        return Map.copyOf(owners);
    }

    /** How many distinct records (partition and offset) were processed. */
    public synchronized int processedCount() {
        return processedKeys.values().stream().mapToInt(Map::size).sum();
    }

    /** How many times records were processed, counting every repeat. */
    public synchronized int deliveries() {
        return deliveries;
    }

    /**
     * The ways the processed records differ from {@code written} (partition → offset → key), at most a few of
     * each kind: records written but never processed, and records processed that were never written.
     */
    public synchronized List<String> differencesFrom(Map<TopicPartition, ? extends Map<Long, String>> written) {
        var missing = new ArrayList<String>();
        var unexpected = new ArrayList<String>();
        written.forEach((partition, keys) -> {
            Map<Long, String> processed = processedKeys.getOrDefault(partition, new TreeMap<>());
            keys.forEach((offset, key) -> {
                if (!key.equals(processed.get(offset))) {
                    missing.add(partition + "@" + offset + "=" + key);
                }
            });
        });
        processedKeys.forEach((partition, keys) -> {
            Map<Long, String> expected = written.containsKey(partition) ? written.get(partition) : Map.of();
            keys.forEach((offset, key) -> {
                if (!expected.containsKey(offset)) {
                    unexpected.add(partition + "@" + offset + "=" + key);
                }
            });
        });
        var differences = new ArrayList<String>();
        if (!missing.isEmpty()) {
            differences.add(missing.size() + " written but not processed, e.g. "
                    + missing.subList(0, Math.min(MAX_REPORTED, missing.size())));
        }
        if (!unexpected.isEmpty()) {
            differences.add(unexpected.size() + " processed but not written, e.g. "
                    + unexpected.subList(0, Math.min(MAX_REPORTED, unexpected.size())));
        }
        return differences;
    }
}
