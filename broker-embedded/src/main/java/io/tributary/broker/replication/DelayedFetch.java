package io.tributary.broker.replication;

import io.tributary.broker.log.LogOffsetMetadata;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;

/**
 * A fetch that did not yet have {@code fetch.min.bytes} to return. It completes when, counting from the position
 * each partition's fetch offset had when it was parked, the bytes below the high watermark (the last stable offset
 * under read_committed, the log end for a follower) reach the minimum, or when a partition's situation changes
 * (segment rolled, leadership or leader epoch changed, log truncated), or on timeout. On completion it reads again
 * and answers; a follower's position is not recorded again by that read.
 */
final class DelayedFetch {
    private final FetchParams params;
    private final List<FetchPartition> partitions;
    private final Map<TopicPartition, LogOffsetMetadata> fetchPositions;
    private final Function<TopicPartition, Partition> partitionLookup;
    private final Function<List<FetchPartition>, Map<TopicIdPartition, FetchResult>> read;
    private final CompletableFuture<Map<TopicIdPartition, FetchResult>> result;
    private final FetchPurgatory purgatory;
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile ScheduledFuture<?> timeout;

    DelayedFetch(FetchParams params, List<FetchPartition> partitions, Map<TopicPartition, LogOffsetMetadata> fetchPositions,
                 Function<TopicPartition, Partition> partitionLookup,
                 Function<List<FetchPartition>, Map<TopicIdPartition, FetchResult>> read,
                 CompletableFuture<Map<TopicIdPartition, FetchResult>> result, FetchPurgatory purgatory) {
        this.params = params;
        this.partitions = partitions;
        this.fetchPositions = new LinkedHashMap<>(fetchPositions);
        this.partitionLookup = partitionLookup;
        this.read = read;
        this.result = result;
        this.purgatory = purgatory;
    }

    /** The fetching broker's id; negative for a consumer. */
    int replicaId() {
        return params.replicaId();
    }

    void setTimeout(ScheduledFuture<?> timeout) {
        this.timeout = timeout;
        if (completed.get()) {
            timeout.cancel(false);
        }
    }

    void tryComplete() {
        if (completed.get()) {
            return;
        }
        long bytes = 0;
        for (FetchPartition fetch : partitions) {
            TopicPartition tp = fetch.topicIdPartition().topicPartition();
            LogOffsetMetadata start = fetchPositions.get(tp);
            if (start == null) {
                continue;
            }
            Partition partition = partitionLookup.apply(tp);
            if (partition == null || !partition.isLeader()
                    || (fetch.currentLeaderEpoch() >= 0 && fetch.currentLeaderEpoch() != partition.leaderEpoch())) {
                forceComplete();
                return;
            }
            LogOffsetMetadata end = endOf(partition);
            if (end.offset() < start.offset()) {
                forceComplete();
                return;
            }
            if (end.offset() > start.offset()) {
                if (!start.positionKnown() || !end.positionKnown()
                        || end.segmentBaseOffset() != start.segmentBaseOffset()) {
                    forceComplete();
                    return;
                }
                bytes += end.position() - start.position();
            }
        }
        if (bytes >= params.minBytes()) {
            forceComplete();
        }
    }

    /**
     * How far the fetch may read: a follower up to the log end, a consumer up to the high watermark, or the last
     * stable offset under read_committed (Kafka's FetchIsolation).
     */
    private LogOffsetMetadata endOf(Partition partition) {
        if (params.isFromFollower()) {
            return partition.log().logEndMetadata();
        }
        return params.isolation() == IsolationLevel.READ_COMMITTED
                ? partition.lastStableOffsetMetadata() : partition.highWatermarkMetadata();
    }

    void forceComplete() {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> scheduled = timeout;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        purgatory.unwatch(this, fetchPositions.keySet());
        try {
            result.complete(read.apply(partitions));
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }
}
