package io.tributary.broker.replication;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * Parked acks=all produces ("purgatory"): each {@link DelayedProduce} waits, without a thread, on the partitions
 * it appended to until their high watermarks pass its records, leadership moves, or its timeout fires.
 *
 * <p>Thread-safety: watcher sets are concurrent; a delayed produce answers exactly once (its own CAS), whichever
 * of a thread that moved a high watermark or the timer gets there first.
 */
public final class ProducePurgatory {
    private final Map<TopicPartition, Set<DelayedProduce>> watchers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public ProducePurgatory(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /**
     * Answers {@code produce} at once when it can be (always on a node that is the only replica: its high watermark
     * is the log end), and otherwise parks it on its partitions and checks it once more, so a high watermark that
     * moved while it was being parked is seen (Kafka's {@code tryCompleteElseWatch}).
     */
    void watch(DelayedProduce produce, long timeoutMs) {
        if (produce.tryComplete()) {
            return;
        }
        for (TopicPartition partition : produce.partitions()) {
            watchers.computeIfAbsent(partition, p -> ConcurrentHashMap.newKeySet()).add(produce);
        }
        produce.setTimeout(timer.schedule(produce::expire, Math.max(timeoutMs, 0), TimeUnit.MILLISECONDS));
        produce.tryComplete();
    }

    /** Called after the high watermark, the ISR or the leadership of {@code partition} changed. */
    public void checkAndComplete(TopicPartition partition) {
        Set<DelayedProduce> waiting = watchers.get(partition);
        if (waiting == null || waiting.isEmpty()) {
            return;
        }
        for (DelayedProduce produce : waiting) {
            produce.tryComplete();
        }
    }

    void unwatch(DelayedProduce produce) {
        for (TopicPartition partition : produce.partitions()) {
            Set<DelayedProduce> waiting = watchers.get(partition);
            if (waiting != null) {
                // The (possibly empty) set stays mapped: removing it could race a produce parking on it.
                waiting.remove(produce);
            }
        }
    }

    /** Answers every parked produce now, those still waiting with REQUEST_TIMED_OUT (shutdown). */
    public void completeAll() {
        for (Set<DelayedProduce> waiting : watchers.values()) {
            for (DelayedProduce produce : waiting) {
                produce.expire();
            }
        }
    }

    int watched() {
        return watchers.values().stream().mapToInt(Set::size).sum();
    }
}
