package io.tributary.broker.replication;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Parked long-poll fetches ("purgatory"): each {@link DelayedFetch} waits, without a thread, on the partitions
 * it reads until an append gives it {@code fetch.min.bytes} or its {@code fetch.max.wait.ms} timer fires.
 *
 * <p>Thread-safety: watcher sets are concurrent; a delayed fetch completes exactly once (its own CAS), whichever
 * of the appending thread or the timer gets there first.
 */
public final class FetchPurgatory {
    private final Map<TopicPartition, Set<DelayedFetch>> watchers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    public FetchPurgatory(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** The timer the parked fetches' deadlines run on. */
    ScheduledExecutorService timer() {
        return timer;
    }

    /** Parks {@code fetch} on its partitions, then re-checks once so an append that raced the parking is seen. */
    void watch(DelayedFetch fetch, Collection<TopicPartition> partitions, long timeoutMs) {
        for (TopicPartition partition : partitions) {
            watchers.computeIfAbsent(partition, p -> ConcurrentHashMap.newKeySet()).add(fetch);
        }
        fetch.setTimeout(timer.schedule(fetch::forceComplete, timeoutMs, TimeUnit.MILLISECONDS));
        fetch.tryComplete();
    }

    /** Called after data arrives in {@code partition} (or its leadership changes). */
    public void checkAndComplete(TopicPartition partition) {
        Set<DelayedFetch> waiting = watchers.get(partition);
        if (waiting == null || waiting.isEmpty()) {
            return;
        }
        for (DelayedFetch fetch : waiting) {
            fetch.tryComplete();
        }
    }

    void unwatch(DelayedFetch fetch, Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            Set<DelayedFetch> waiting = watchers.get(partition);
            if (waiting != null) {
                // The (possibly empty) set stays mapped: removing it could race a fetch parking on it.
                waiting.remove(fetch);
            }
        }
    }

    /** Answers now the parked fetches of the followers {@code replicaIds} (they follow new partitions here). */
    void completeReplicaFetches(Set<Integer> replicaIds) {
        completeWhere(fetch -> replicaIds.contains(fetch.replicaId()));
    }

    /** Completes every parked fetch now (shutdown). */
    public void completeAll() {
        completeWhere(fetch -> true);
    }

    /** A fetch parked on several partitions is met once per partition; completing it again does nothing. */
    private void completeWhere(Predicate<DelayedFetch> which) {
        for (Set<DelayedFetch> waiting : watchers.values()) {
            for (DelayedFetch fetch : waiting) {
                if (which.test(fetch)) {
                    fetch.forceComplete();
                }
            }
        }
    }

    int watched() {
        return watchers.values().stream().mapToInt(Set::size).sum();
    }
}
