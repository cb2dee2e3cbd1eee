package io.tributary.spring.listener;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Pauses a retry partition whose next record is not due yet and resumes it at the due time, so that the consumer
 * keeps polling (and stays in its group, max.poll.interval.ms) and keeps delivering its other partitions while the
 * record waits. Pausing through the container keeps the pause across the container's own pauses and rebalances;
 * resuming through it wakes the consumer from its poll.
 *
 * <p>Thread-safe: the pause is requested on the consumer thread, the resume runs on the scheduler.
 */
final class RetryTopicPauses {
    /** Idle scheduler threads end after this, so an application without waiting records keeps none. */
    private static final Duration IDLE_THREAD_KEEP_ALIVE = Duration.ofMinutes(1);

    private final ScheduledExecutorService scheduler;
    private final Clock clock;

    RetryTopicPauses(ScheduledExecutorService scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
    }

    /** A scheduler of one daemon thread, started on first use and ended when idle. */
    static ScheduledExecutorService daemonScheduler() {
        var scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            var thread = new Thread(runnable, "tributary-retry-topic-resume");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setKeepAliveTime(IDLE_THREAD_KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.allowCoreThreadTimeOut(true);
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    /** Pauses {@code partition} in {@code container} until {@code dueMs} (epoch millis). */
    void pauseUntil(MessageListenerContainer container, TopicPartition partition, long dueMs) {
        container.pausePartition(partition);
        scheduler.schedule(() -> container.resumePartition(partition), Math.max(dueMs - clock.millis(), 0),
                TimeUnit.MILLISECONDS);
    }
}
