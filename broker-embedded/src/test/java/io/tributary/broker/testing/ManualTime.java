package io.tributary.broker.testing;

import io.tributary.broker.group.CoordinatorTimer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Time;

/**
 * A clock and a timer that only move when the test says so: {@link #advance(long)} runs every task that falls due,
 * in deadline order, on the calling thread. Not thread-safe; one test thread drives it.
 */
public final class ManualTime implements Time, CoordinatorTimer {
    private long nowMs = 1_700_000_000_000L;
    private long sequence;
    private final List<Scheduled> tasks = new ArrayList<>();

    private record Scheduled(long dueMs, long sequence, Runnable task) {
    }

    @Override
    public Cancellable schedule(long delayMs, Runnable task) {
        var scheduled = new Scheduled(nowMs + delayMs, sequence++, task);
        tasks.add(scheduled);
        return () -> tasks.remove(scheduled);
    }

    /** Moves the clock forward, running each task when its deadline is reached (tasks may schedule more). */
    public void advance(long ms) {
        long target = nowMs + ms;
        while (true) {
            Scheduled next = tasks.stream().filter(t -> t.dueMs() <= target)
                    .min(Comparator.comparingLong(Scheduled::dueMs).thenComparingLong(Scheduled::sequence))
                    .orElse(null);
            if (next == null) {
                break;
            }
            tasks.remove(next);
            nowMs = Math.max(nowMs, next.dueMs());
            next.task().run();
        }
        nowMs = target;
    }

    public int pendingTasks() {
        return tasks.size();
    }

    @Override
    public long milliseconds() {
        return nowMs;
    }

    @Override
    public long nanoseconds() {
        return nowMs * 1_000_000L;
    }

    @Override
    public void sleep(long ms) {
        advance(ms);
    }

    @Override
    public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
        throw new UnsupportedOperationException("ManualTime does not block");
    }
}
