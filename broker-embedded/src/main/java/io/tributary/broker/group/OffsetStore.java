package io.tributary.broker.group;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one {@link GroupShard}'s groups: the committed ones OffsetFetch returns, and the pending ones
 * that open transactions wrote with TxnOffsetCommit (KIP-98), which become committed when their producer's
 * transaction commits and are dropped when it aborts.
 *
 * <pre>
 * committed  groupId → partition → (offset, recordOffset)
 * pending    producerId → groupId → partition → (offset, recordOffset)
 * open       groupId → producer ids with pending offsets for the group   (an index of pending, never more)
 * </pre>
 *
 * Every offset keeps the log offset of the record that wrote it: when a transaction commits, each of its offsets
 * replaces the committed one only if its record is the later one, so a plain commit written after the
 * transactional record wins whatever order the two complete in (Kafka's {@code CommitRecordMetadataAndOffset}),
 * and a reload that replays records and markers in log order ends where the live coordinator did.
 *
 * <p>Changed only by {@link GroupShard}'s replay, under the shard's lock; not thread-safe.
 */
final class OffsetStore {
    /** An offset and the log offset of its record in {@code __consumer_offsets}. */
    private record Stored(CommittedOffset offset, long recordOffset) {
    }

    private final Map<String, Map<TopicPartition, Stored>> committed = new HashMap<>();
    private final Map<Long, Map<String, Map<TopicPartition, Stored>>> pending = new HashMap<>();
    private final Map<String, Set<Long>> open = new HashMap<>();

    /** A plain (non-transactional) commit: the latest record wins. */
    void commit(String groupId, TopicPartition partition, CommittedOffset offset, long recordOffset) {
        committed.computeIfAbsent(groupId, id -> new HashMap<>()).put(partition, new Stored(offset, recordOffset));
    }

    /** A transactional commit of {@code producerId}, invisible until its transaction ends. */
    void addPending(long producerId, String groupId, TopicPartition partition, CommittedOffset offset,
                    long recordOffset) {
        pending.computeIfAbsent(producerId, id -> new HashMap<>()).computeIfAbsent(groupId, id -> new HashMap<>())
                .put(partition, new Stored(offset, recordOffset));
        open.computeIfAbsent(groupId, id -> new HashSet<>()).add(producerId);
    }

    /**
     * An offset tombstone: the committed offset goes, and so do the pending ones of every open transaction (as
     * Kafka, so a deleted offset does not come back when such a transaction commits).
     */
    void remove(String groupId, TopicPartition partition) {
        Map<TopicPartition, Stored> groupOffsets = committed.get(groupId);
        if (groupOffsets != null) {
            groupOffsets.remove(partition);
            if (groupOffsets.isEmpty()) {
                committed.remove(groupId);
            }
        }
        Set<Long> producers = open.get(groupId);
        if (producers != null) {
            for (Long producerId : Set.copyOf(producers)) {
                Map<TopicPartition, Stored> pendingOffsets = pending.get(producerId).get(groupId);
                pendingOffsets.remove(partition);
                if (pendingOffsets.isEmpty()) {
                    dropPending(producerId, groupId);
                }
            }
        }
    }

    /** A group tombstone: every offset of the group, committed or pending, goes. */
    void removeGroup(String groupId) {
        committed.remove(groupId);
        Set<Long> producers = open.get(groupId);
        if (producers != null) {
            Set.copyOf(producers).forEach(producerId -> dropPending(producerId, groupId));
        }
    }

    private void dropPending(long producerId, String groupId) {
        Map<String, Map<TopicPartition, Stored>> byGroup = pending.get(producerId);
        byGroup.remove(groupId);
        if (byGroup.isEmpty()) {
            pending.remove(producerId);
        }
        Set<Long> producers = open.get(groupId);
        producers.remove(producerId);
        if (producers.isEmpty()) {
            open.remove(groupId);
        }
    }

    /**
     * {@code producerId}'s transaction ended: on commit its pending offsets become committed where their record is
     * later than the committed one's; on abort they are dropped. Returns how many offsets became committed.
     * Ending a transaction without pending offsets changes nothing, so a marker seen twice (once while loading,
     * once from the server) is harmless.
     */
    int completeTransaction(long producerId, boolean commit) {
        Map<String, Map<TopicPartition, Stored>> byGroup = pending.remove(producerId);
        if (byGroup == null) {
            return 0;
        }
        int materialized = 0;
        for (var group : byGroup.entrySet()) {
            String groupId = group.getKey();
            Set<Long> producers = open.get(groupId);
            producers.remove(producerId);
            if (producers.isEmpty()) {
                open.remove(groupId);
            }
            if (!commit) {
                continue;
            }
            for (var offset : group.getValue().entrySet()) {
                Stored current = committed.getOrDefault(groupId, Map.of()).get(offset.getKey());
                if (current == null || offset.getValue().recordOffset() > current.recordOffset()) {
                    committed.computeIfAbsent(groupId, id -> new HashMap<>()).put(offset.getKey(), offset.getValue());
                    materialized++;
                }
            }
        }
        return materialized;
    }

    /** The committed offsets of {@code groupId}, a copy. */
    Map<TopicPartition, CommittedOffset> committed(String groupId) {
        Map<TopicPartition, Stored> groupOffsets = committed.getOrDefault(groupId, Map.of());
        var copy = new LinkedHashMap<TopicPartition, CommittedOffset>();
        groupOffsets.forEach((partition, stored) -> copy.put(partition, stored.offset()));
        return copy;
    }

    /** Whether an open transaction has a pending offset of {@code groupId} for {@code partition}. */
    boolean hasPending(String groupId, TopicPartition partition) {
        for (Long producerId : open.getOrDefault(groupId, Set.of())) {
            if (pending.get(producerId).get(groupId).containsKey(partition)) {
                return true;
            }
        }
        return false;
    }

    /** The partitions of {@code groupId} with a pending offset in some open transaction. */
    Set<TopicPartition> pendingPartitions(String groupId) {
        var partitions = new HashSet<TopicPartition>();
        for (Long producerId : open.getOrDefault(groupId, Set.of())) {
            partitions.addAll(pending.get(producerId).get(groupId).keySet());
        }
        return partitions;
    }

    /** Whether some open transaction holds pending offsets of {@code groupId}. */
    boolean hasOpenTransactions(String groupId) {
        return open.containsKey(groupId);
    }

    /** Whether {@code groupId} has any offset, committed or pending. */
    boolean hasOffsets(String groupId) {
        return committed.containsKey(groupId) || open.containsKey(groupId);
    }

    /** Every group with an offset, committed or pending. */
    Set<String> groupIds() {
        var groupIds = new HashSet<>(committed.keySet());
        groupIds.addAll(open.keySet());
        return groupIds;
    }
}
