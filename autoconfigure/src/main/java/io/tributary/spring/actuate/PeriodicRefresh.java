package io.tributary.spring.actuate;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the meters' refresh tasks (consumer lag, newly seen broker APIs and topics) on one daemon thread every
 * {@code tributary.metrics.refresh-interval}, while the application runs.
 */
final class PeriodicRefresh implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(PeriodicRefresh.class);

    private final List<Runnable> tasks;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    PeriodicRefresh(List<Runnable> tasks, Duration interval) {
        this.tasks = tasks;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tributary-meters");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::runAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runAll() {
        for (Runnable task : tasks) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.debug("A meter refresh failed", e);
            }
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
