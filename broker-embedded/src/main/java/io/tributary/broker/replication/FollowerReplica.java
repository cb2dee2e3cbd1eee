package io.tributary.broker.replication;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * What a {@code ReplicaFetcher} needs of a partition this node follows: where its log ends, which epoch it last
 * wrote, and the three ways the leader's answer changes it (append the leader's batches, take the leader's high
 * watermark and log start, cut a divergent tail). {@link Partition} implements it.
 *
 * <p>The methods throw {@code KafkaStorageException} when the replica's log directory failed, and
 * {@code NotLeaderOrFollowerException} when this node no longer follows the partition at {@code leaderEpoch}.
 */
public interface FollowerReplica {

    TopicPartition topicPartition();

    Uuid topicId();

    /** The leader epoch the controller gave this follower; fetches send it as {@code current_leader_epoch}. */
    int leaderEpoch();

    /** The leader this node follows at {@link #leaderEpoch()}. */
    int leaderId();

    long logStartOffset();

    long logEndOffset();

    /** The epoch of the last batch in the log ({@code last_fetched_epoch}, KIP-320), or -1 when it is empty. */
    int latestEpoch();

    /**
     * The end offset of {@code epoch} in this log: the start offset of the next higher epoch, or the log end when
     * {@code epoch} is the latest; with the epoch found, which may be lower than the one asked for. Used when the
     * leader reports a diverging epoch.
     */
    EpochEndOffset endOffsetForEpoch(int epoch);

    /**
     * Appends batches fetched from the leader as they are: offsets, epochs and timestamps assigned by the leader,
     * producer state updated from them. Returns the new log end.
     */
    long appendRecordsAsFollower(MemoryRecords records);

    /** Takes the leader's high watermark (capped at this log's end) and log start offset. */
    void updateFollowerOffsets(long leaderHighWatermark, long leaderLogStartOffset);

    /** Cuts everything at or after {@code offset} (a divergent tail), rebuilding producer state and epochs. */
    void truncateTo(long offset);

    /** Deletes the whole log and starts it empty at {@code offset} (this follower fell below the leader's start). */
    void truncateFullyAndStartAt(long offset);

    /** An epoch and its end offset; epoch -1 with offset -1 when the log has no entry at or below the asked epoch. */
    record EpochEndOffset(int epoch, long endOffset) {
    }
}
