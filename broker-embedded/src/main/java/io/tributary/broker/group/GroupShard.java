package io.tributary.broker.group;

import io.tributary.broker.group.GroupRecords.GroupMetadata;
import io.tributary.broker.group.GroupRecords.GroupRecord;
import io.tributary.broker.group.GroupRecords.OffsetCommit;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.types.SchemaException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups whose coordinator partition of {@code __consumer_offsets} is {@code partition}: their membership and
 * committed offsets, and the records that persist them.
 *
 * <p>Concurrency: one lock, this object's monitor, guards everything here; every request handler and every timer
 * of these groups runs under it, so a group's state has one writer at a time. Durable state (offsets, group
 * metadata) changes only in {@link #replay}, which runs both when a write committed and when the partition is
 * loaded after a restart, so the two paths cannot disagree.
 */
final class GroupShard {
    private static final Logger log = LoggerFactory.getLogger(GroupShard.class);

    private final int partition;
    private final CoordinatorLog coordinatorLog;
    private final CoordinatorTimer timer;
    private final Time time;
    private final Map<String, ClassicGroup> groups = new LinkedHashMap<>();
    private final Map<String, Map<TopicPartition, CommittedOffset>> offsets = new HashMap<>();
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
        int[] count = {0};
        coordinatorLog.read(partition, (key, value) -> {
            GroupRecord record;
            try {
                record = GroupRecords.parse(key, value);
            } catch (SchemaException | BufferUnderflowException e) {
                log.warn("__consumer_offsets-{}: skipping an unreadable record: {}", partition, e.toString());
                return;
            }
            if (record != null) {
                replay(record, true);
                count[0]++;
            }
        });
        for (String groupId : offsets.keySet()) {
            groups.computeIfAbsent(groupId, ClassicGroup::new);
        }
        loaded = true;
        if (count[0] > 0) {
            log.info("Loaded {} group(s) from {} record(s) of __consumer_offsets-{} in {} ms", groups.size(),
                    count[0], partition, time.milliseconds() - startMs);
        }
        return groups.values().stream().filter(group -> group.size() > 0).toList();
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
                && !offsets.containsKey(group.groupId())) {
            groups.remove(group.groupId());
        }
    }

    Collection<ClassicGroup> groups() {
        return groups.values();
    }

    Map<TopicPartition, CommittedOffset> offsets(String groupId) {
        return offsets.getOrDefault(groupId, Map.of());
    }

    /**
     * Appends {@code records}; once they are committed replays them and calls {@code then} with
     * {@link Errors#NONE}, or calls it with the append's error and changes nothing. {@code then} runs under this
     * shard's lock.
     */
    void write(List<CoordinatorLog.Entry> records, Consumer<Errors> then) {
        if (records.isEmpty()) {
            then.accept(Errors.NONE);
            return;
        }
        CompletableFuture<Errors> appended;
        try {
            appended = coordinatorLog.append(partition, records);
        } catch (RuntimeException e) {
            log.error("__consumer_offsets-{}: append failed", partition, e);
            appended = CompletableFuture.completedFuture(Errors.UNKNOWN_SERVER_ERROR);
        }
        appended.whenComplete((error, failure) -> {
            synchronized (this) {
                Errors result = failure != null ? Errors.forException(failure) : error;
                if (result == Errors.NONE) {
                    for (CoordinatorLog.Entry entry : records) {
                        GroupRecord record = GroupRecords.parse(ByteBuffer.wrap(entry.key()),
                                entry.value() == null ? null : ByteBuffer.wrap(entry.value()));
                        replay(record, false);
                    }
                }
                then.accept(result);
            }
        });
    }

    /**
     * Applies one record. Offsets are set or removed; a group tombstone deletes the group. A group metadata value
     * rebuilds the group only while loading: live, the group already is what the record describes.
     */
    private void replay(GroupRecord record, boolean loading) {
        if (record instanceof OffsetCommit commit) {
            if (commit.offset() != null) {
                offsets.computeIfAbsent(commit.groupId(), id -> new HashMap<>()).put(commit.partition(), commit.offset());
                return;
            }
            Map<TopicPartition, CommittedOffset> groupOffsets = offsets.get(commit.groupId());
            if (groupOffsets != null) {
                groupOffsets.remove(commit.partition());
                if (groupOffsets.isEmpty()) {
                    offsets.remove(commit.groupId());
                }
            }
        } else if (record instanceof GroupMetadata metadata) {
            if (metadata.group() == null) {
                ClassicGroup removed = groups.remove(metadata.groupId());
                if (removed != null) {
                    removed.disarmAll();
                    removed.markDead(time.milliseconds());
                }
                offsets.remove(metadata.groupId());
            } else if (loading || !groups.containsKey(metadata.groupId())) {
                groups.put(metadata.groupId(), ClassicGroup.restore(metadata.groupId(), metadata.group()));
            }
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

    /** Tombstones for every committed offset of {@code groupId} and for the group itself. */
    List<CoordinatorLog.Entry> groupTombstones(String groupId) {
        var records = new ArrayList<CoordinatorLog.Entry>();
        for (TopicPartition tp : offsets(groupId).keySet()) {
            records.add(new CoordinatorLog.Entry(GroupRecords.offsetKey(groupId, tp), null));
        }
        records.add(new CoordinatorLog.Entry(GroupRecords.groupKey(groupId), null));
        return records;
    }
}
