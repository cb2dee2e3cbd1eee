package io.tributary.broker.group;

import io.tributary.broker.group.GroupRecords.GroupMetadata;
import io.tributary.broker.group.GroupRecords.GroupRecord;
import io.tributary.broker.group.GroupRecords.OffsetCommit;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.types.SchemaException;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups whose coordinator partition of {@code __consumer_offsets} is {@code partition}: their membership and
 * committed offsets, and the records that persist them.
 *
 * <p>Concurrency: one lock, this object's monitor, guards everything here; every request handler and every timer
 * of these groups runs under it, so a group's state has one writer at a time. Durable state (offsets, group
 * metadata) changes only in {@link #replay} and {@link #replayTransactionEnd}, which run both when a write
 * committed (or a transaction's marker was appended) and when the partition is loaded after a restart, so the two
 * paths cannot disagree. Every group with an offset, committed or pending, is in {@link #groups()}.
 */
final class GroupShard {
    private static final Logger log = LoggerFactory.getLogger(GroupShard.class);

    private final int partition;
    private final CoordinatorLog coordinatorLog;
    private final CoordinatorTimer timer;
    private final Time time;
    private final Map<String, ClassicGroup> groups = new LinkedHashMap<>();
    private final OffsetStore offsets = new OffsetStore();
    private boolean loaded;

    GroupShard(int partition, CoordinatorLog coordinatorLog, CoordinatorTimer timer, Time time) {
        this.partition = partition;
        this.coordinatorLog = coordinatorLog;
        this.timer = timer;
        this.time = time;
    }

    int partition() {
        return partition;
    }

    long nowMs() {
        return time.milliseconds();
    }

    /**
     * Replays the partition's records once (after a restart, the groups and offsets the log holds) and returns the
     * restored groups that have members, whose sessions the caller must start timing. Empty on later calls.
     */
    synchronized List<ClassicGroup> loadIfNeeded() {
        if (loaded) {
            return List.of();
        }
        long startMs = time.milliseconds();
        var loader = new Loader();
        coordinatorLog.read(partition, loader);
        // A group that only ever committed offsets (a consumer using assign(), a transactional producer) has no
        // metadata record; it exists, empty, as Kafka's "simple" groups do.
        for (String groupId : offsets.groupIds()) {
            groups.computeIfAbsent(groupId, ClassicGroup::new);
        }
        loaded = true;
        if (loader.count > 0) {
            log.info("Loaded {} group(s) from {} record(s) of __consumer_offsets-{} in {} ms", groups.size(),
                    loader.count, partition, time.milliseconds() - startMs);
        }
        return groups.values().stream().filter(group -> group.size() > 0).toList();
    }

    /** Replays what the log holds, in order: records as they were written, transaction markers as they ended. */
    private final class Loader implements CoordinatorLog.Visitor {
        private int count;

        @Override
        public void record(long offset, long producerId, ByteBuffer key, ByteBuffer value) {
            GroupRecord record;
            try {
                record = GroupRecords.parse(key, value);
            } catch (SchemaException | BufferUnderflowException e) {
                log.warn("__consumer_offsets-{}: skipping an unreadable record at offset {}: {}", partition, offset,
                        e.toString());
                return;
            }
            if (record != null) {
                replay(record, offset, producerId, true);
                count++;
            }
        }

        @Override
        public void transactionEnd(long offset, long producerId, boolean committed) {
            replayTransactionEnd(producerId, committed);
            count++;
        }
    }

    ClassicGroup group(String groupId) {
        return groups.get(groupId);
    }

    ClassicGroup getOrCreate(String groupId) {
        return groups.computeIfAbsent(groupId, ClassicGroup::new);
    }

    /** Forgets a group that never got past its first request (nothing was written for it). */
    void discardIfUnused(ClassicGroup group) {
        if (group.size() == 0 && group.is(GroupState.EMPTY) && !group.isPendingAny()
                && !offsets.hasOffsets(group.groupId())) {
            groups.remove(group.groupId());
        }
    }

    Collection<ClassicGroup> groups() {
        return groups.values();
    }

    /** The committed (stable) offsets of {@code groupId}; pending transactional ones are not among them. */
    Map<TopicPartition, CommittedOffset> offsets(String groupId) {
        return offsets.committed(groupId);
    }

    /** Whether an open transaction wrote an offset of {@code groupId} for {@code partition} (KIP-447). */
    boolean hasPendingOffset(String groupId, TopicPartition partition) {
        return offsets.hasPending(groupId, partition);
    }

    /** Whether an open transaction holds offsets of {@code groupId}; such a group is not expired. */
    boolean hasOpenTransactions(String groupId) {
        return offsets.hasOpenTransactions(groupId);
    }

    /**
     * Appends {@code records}; once they are committed replays them and calls {@code then} with
     * {@link Errors#NONE}, or calls it with the append's error and changes nothing. {@code then} runs under this
     * shard's lock.
     */
    void write(List<CoordinatorLog.Entry> records, Consumer<Errors> then) {
        write(records, RecordBatch.NO_PRODUCER_ID, () -> coordinatorLog.append(partition, records), then);
    }

    /**
     * As {@link #write}, as a transactional batch of {@code producerId}: once committed, the offsets in
     * {@code records} are pending until {@link #replayTransactionEnd} ends the producer's transaction.
     */
    void writeTransactional(long producerId, short producerEpoch, List<CoordinatorLog.Entry> records,
                            Consumer<Errors> then) {
        write(records, producerId,
                () -> coordinatorLog.appendTransactional(partition, producerId, producerEpoch, records), then);
    }

    private void write(List<CoordinatorLog.Entry> records, long producerId,
                       Supplier<CompletableFuture<CoordinatorLog.Appended>> append, Consumer<Errors> then) {
        if (records.isEmpty()) {
            then.accept(Errors.NONE);
            return;
        }
        CompletableFuture<CoordinatorLog.Appended> appended;
        try {
            appended = append.get();
        } catch (RuntimeException e) {
            log.error("__consumer_offsets-{}: append failed", partition, e);
            appended = CompletableFuture.completedFuture(CoordinatorLog.Appended.failed(Errors.UNKNOWN_SERVER_ERROR));
        }
        appended.whenComplete((result, failure) -> {
            synchronized (this) {
                Errors error = failure != null ? Errors.forException(failure) : result.error();
                if (error == Errors.NONE) {
                    for (int i = 0; i < records.size(); i++) {
                        CoordinatorLog.Entry entry = records.get(i);
                        GroupRecord record = GroupRecords.parse(ByteBuffer.wrap(entry.key()),
                                entry.value() == null ? null : ByteBuffer.wrap(entry.value()));
                        replay(record, result.baseOffset() + i, producerId, false);
                    }
                }
                then.accept(error);
            }
        });
    }

    /**
     * Applies one record written at {@code recordOffset}, by {@code producerId}'s transaction or, for
     * {@link RecordBatch#NO_PRODUCER_ID}, outside any. An offset value is committed, or pending when
     * transactional; an offset tombstone removes the committed and pending offsets of its partition. A group
     * metadata value rebuilds the group only while loading: live, the group already is what the record describes.
     * A group tombstone deletes the group and all its offsets.
     */
    private void replay(GroupRecord record, long recordOffset, long producerId, boolean loading) {
        if (record instanceof OffsetCommit commit) {
            if (commit.offset() == null) {
                offsets.remove(commit.groupId(), commit.partition());
            } else if (producerId == RecordBatch.NO_PRODUCER_ID) {
                offsets.commit(commit.groupId(), commit.partition(), commit.offset(), recordOffset);
            } else {
                offsets.addPending(producerId, commit.groupId(), commit.partition(), commit.offset(), recordOffset);
            }
        } else if (record instanceof GroupMetadata metadata) {
            if (metadata.group() == null) {
                ClassicGroup removed = groups.remove(metadata.groupId());
                if (removed != null) {
                    removed.disarmAll();
                    removed.markDead(time.milliseconds());
                }
                offsets.removeGroup(metadata.groupId());
            } else if (loading || !groups.containsKey(metadata.groupId())) {
                groups.put(metadata.groupId(), ClassicGroup.restore(metadata.groupId(), metadata.group()));
            }
        }
    }

    /**
     * Applies the COMMIT or ABORT marker of {@code producerId}'s transaction: its pending offsets become committed
     * (unless a later plain commit of the same partition is already there) or are dropped. Runs while loading and,
     * through {@link GroupCoordinator#completeTransaction}, once the server appended the marker.
     */
    synchronized void replayTransactionEnd(long producerId, boolean committed) {
        int materialized = offsets.completeTransaction(producerId, committed);
        if (materialized > 0) {
            log.debug("__consumer_offsets-{}: producer {} committed {} transactional offset(s)", partition,
                    producerId, materialized);
        }
    }

    /**
     * Runs {@code task} under this shard's lock after {@code delayMs}, unless the group's timer {@code key} was
     * re-armed, disarmed, or the group was deleted in the meantime.
     */
    void schedule(ClassicGroup group, String key, long delayMs, Runnable task) {
        long epoch = group.nextTimerEpoch();
        CoordinatorTimer.Cancellable handle = timer.schedule(delayMs, () -> {
            synchronized (this) {
                if (groups.get(group.groupId()) == group && group.fire(key, epoch)) {
                    task.run();
                }
            }
        });
        group.arm(key, new ClassicGroup.ArmedTimer(epoch, handle));
    }

    /**
     * Tombstones for every group's offsets of the {@code topics}, committed or pending in an open transaction (an
     * offset tombstone drops both, see {@link OffsetStore#remove}).
     */
    List<CoordinatorLog.Entry> topicTombstones(Set<String> topics) {
        var records = new ArrayList<CoordinatorLog.Entry>();
        for (String groupId : offsets.groupIds()) {
            var partitions = new LinkedHashSet<>(offsets.committed(groupId).keySet());
            partitions.addAll(offsets.pendingPartitions(groupId));
            for (TopicPartition tp : partitions) {
                if (topics.contains(tp.topic())) {
                    records.add(new CoordinatorLog.Entry(GroupRecords.offsetKey(groupId, tp), null));
                }
            }
        }
        return records;
    }

    /**
     * Tombstones for every offset of {@code groupId}, committed or pending in an open transaction (so that the
     * transaction's commit cannot bring one back, as Kafka's DeleteGroups), and for the group itself.
     */
    List<CoordinatorLog.Entry> groupTombstones(String groupId) {
        var partitions = new LinkedHashSet<>(offsets.committed(groupId).keySet());
        partitions.addAll(offsets.pendingPartitions(groupId));
        var records = new ArrayList<CoordinatorLog.Entry>();
        for (TopicPartition tp : partitions) {
            records.add(new CoordinatorLog.Entry(GroupRecords.offsetKey(groupId, tp), null));
        }
        records.add(new CoordinatorLog.Entry(GroupRecords.groupKey(groupId), null));
        return records;
    }
}
