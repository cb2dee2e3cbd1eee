package io.tributary.broker.log;

import java.util.function.LongConsumer;
import org.apache.kafka.common.utils.Time;

/**
 * Keeps the cleaner's I/O (bytes read plus bytes written, all threads) under
 * {@code log.cleaner.io.max.bytes.per.second} on average: the observed bytes are measured over periods of
 * {@code checkIntervalMs}, and a period that went faster than allowed is followed by a pause long enough to bring
 * its rate back to the limit. Thread-safe; a pause holds the throttler, so every cleaner thread waits it out.
 */
final class Throttler {
    private final double maxBytesPerSecond;
    private final long checkIntervalNs;
    private final Time time;
    private final LongConsumer sleeperMs;
    private long periodStartNs;
    private long observedBytes;

    /** @param sleeperMs pauses the calling thread (the cleaner's pause returns early when it is stopping) */
    Throttler(double maxBytesPerSecond, long checkIntervalMs, Time time, LongConsumer sleeperMs) {
        this.maxBytesPerSecond = maxBytesPerSecond;
        this.checkIntervalNs = checkIntervalMs * 1_000_000L;
        this.time = time;
        this.sleeperMs = sleeperMs;
        this.periodStartNs = time.nanoseconds();
    }

    synchronized void maybeThrottle(long bytes) {
        if (maxBytesPerSecond >= Double.MAX_VALUE || maxBytesPerSecond <= 0) {
            return;
        }
        observedBytes += bytes;
        long elapsedNs = time.nanoseconds() - periodStartNs;
        if (elapsedNs < checkIntervalNs) {
            return;
        }
        double allowedNs = observedBytes * 1e9 / maxBytesPerSecond;
        long pauseMs = (long) ((allowedNs - elapsedNs) / 1_000_000);
        if (pauseMs > 0) {
            sleeperMs.accept(pauseMs);
        }
        periodStartNs = time.nanoseconds();
        observedBytes = 0;
    }
}
