package io.tributary.broker.log;

import java.util.function.Supplier;
import org.apache.kafka.common.utils.Time;

/** A clock that moves only when a test (or a throttler's sleep) moves it. */
final class ManualTime implements Time {
    private long nowMs;

    ManualTime(long startMs) {
        this.nowMs = startMs;
    }

    @Override
    public synchronized long milliseconds() {
        return nowMs;
    }

    @Override
    public synchronized long nanoseconds() {
        return nowMs * 1_000_000L;
    }

    @Override
    public synchronized void sleep(long ms) {
        nowMs += ms;
    }

    synchronized void set(long ms) {
        nowMs = ms;
    }

    @Override
    public void waitObject(Object object, Supplier<Boolean> condition, long deadlineMs) {
        if (!condition.get()) {
            throw new UnsupportedOperationException("ManualTime cannot wait");
        }
    }
}
