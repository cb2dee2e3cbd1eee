package io.tributary.broker.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;

/**
 * An acks=all produce whose batches are in the leader's log but not yet below the high watermark (Kafka's
 * DelayedProduce). Each partition appended to is settled when the high watermark passes its last offset (NONE,
 * or NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below {@code min.insync.replicas} meanwhile), when this
 * node stops leading it at the epoch of the append (NOT_LEADER_OR_FOLLOWER: the records may be truncated), or when
 * it leaves this node; the produce answers once every partition is settled, or at its timeout, when those still
 * waiting are REQUEST_TIMED_OUT. The answer keeps each append's offsets whatever the error, as Kafka's does.
 *
 * <p>Thread-safety: checks run on whichever thread moved a high watermark, and the timeout on the purgatory's
 * timer; the partitions' outcomes are settled under this object's monitor, and the answer is sent exactly once
 * (a CAS), outside it.
 */
final class DelayedProduce {
    /** One partition's append: what the high watermark must pass, at which leader epoch, and its outcome. */
    private static final class Waiting {
        final long requiredOffset;
        final int leaderEpoch;
        Errors outcome;

        Waiting(long requiredOffset, int leaderEpoch) {
            this.requiredOffset = requiredOffset;
            this.leaderEpoch = leaderEpoch;
        }
    }

    private final Map<TopicPartition, PartitionResponse> appended;
    private final Map<TopicPartition, Waiting> waiting = new LinkedHashMap<>();
    private final Function<TopicPartition, Partition> partitionLookup;
    private final Function<TopicPartition, Errors> absentError;
    private final CompletableFuture<Map<TopicPartition, PartitionResponse>> result;
    private final ProducePurgatory purgatory;
    private final AtomicBoolean completed = new AtomicBoolean();
    private volatile ScheduledFuture<?> timeout;

    /** @param appended every partition's answer after the local append, in the request's order */
    DelayedProduce(Map<TopicPartition, PartitionResponse> appended, Function<TopicPartition, Partition> partitionLookup,
                   Function<TopicPartition, Errors> absentError,
                   CompletableFuture<Map<TopicPartition, PartitionResponse>> result, ProducePurgatory purgatory) {
        this.appended = appended;
        this.partitionLookup = partitionLookup;
        this.absentError = absentError;
        this.result = result;
        this.purgatory = purgatory;
    }

    /** Makes {@code tp}'s answer wait for the high watermark to reach {@code requiredOffset} at {@code leaderEpoch}. */
    void await(TopicPartition tp, long requiredOffset, int leaderEpoch) {
        waiting.put(tp, new Waiting(requiredOffset, leaderEpoch));
    }

    Set<TopicPartition> partitions() {
        return waiting.keySet();
    }

    void setTimeout(ScheduledFuture<?> timeout) {
        this.timeout = timeout;
        if (completed.get()) {
            timeout.cancel(false);
        }
    }

    /** Settles what can be settled; answers once every partition is. Returns whether it has answered. */
    boolean tryComplete() {
        if (completed.get()) {
            return true;
        }
        boolean settled = true;
        synchronized (this) {
            for (var entry : waiting.entrySet()) {
                Waiting append = entry.getValue();
                if (append.outcome == null) {
                    Partition partition = partitionLookup.apply(entry.getKey());
                    append.outcome = partition == null ? absentError.apply(entry.getKey())
                            : partition.replicationOutcome(append.requiredOffset, append.leaderEpoch);
                    settled &= append.outcome != null;
                }
            }
        }
        if (settled) {
            complete();
        }
        return settled;
    }

    /** The produce's timeout: partitions still waiting are REQUEST_TIMED_OUT. */
    void expire() {
        complete();
    }

    private void complete() {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> scheduled = timeout;
        if (scheduled != null) {
            scheduled.cancel(false);
        }
        purgatory.unwatch(this);
        var responses = new LinkedHashMap<TopicPartition, PartitionResponse>();
        synchronized (this) {
            appended.forEach((tp, response) -> {
                Waiting append = waiting.get(tp);
                Errors error = append == null ? response.error
                        : append.outcome == null ? Errors.REQUEST_TIMED_OUT : append.outcome;
                responses.put(tp, error == response.error ? response : new PartitionResponse(error,
                        response.baseOffset, response.logAppendTime, response.logStartOffset, response.recordErrors,
                        null));
            });
        }
        result.complete(responses);
    }
}
