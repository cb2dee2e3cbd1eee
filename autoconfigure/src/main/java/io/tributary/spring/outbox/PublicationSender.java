package io.tributary.spring.outbox;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.TributaryProperties;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends publications through {@link EventTemplate} on one thread of its own, resending a failed one with
 * exponential back-off up to {@code maxAttempts} times, and tells the {@link Outcome} what
 * became of each. Sends run off the publishing thread (a commit does not wait for the broker), one at a time so
 * that first attempts keep the order of publication.
 *
 * <p>Owned by an {@link Outbox}, which stops it and reports what is still {@link #pending()} at shutdown.
 *
 * <p>Thread-safety: {@link #inFlight} is a concurrent map written on submission and at each publication's end;
 * everything else runs on the single sender thread.
 */
final class PublicationSender {
    private static final Logger log = LoggerFactory.getLogger(PublicationSender.class);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(5);

    /** What became of a publication; called on the sender thread. */
    interface Outcome {
        void acknowledged(Publication publication);

        void failed(Publication publication, int attempt, Throwable failure);

        void gaveUp(Publication publication, int attempts, Throwable failure);
    }

    private final EventTemplate events;
    private final TributaryProperties.Outbox settings;
    private final int maxAttempts;
    private final ScheduledThreadPoolExecutor thread;
    private final Map<UUID, Publication> inFlight = new ConcurrentHashMap<>();

    PublicationSender(EventTemplate events, TributaryProperties.Outbox settings, int maxAttempts) {
        this.events = events;
        this.settings = settings;
        this.maxAttempts = maxAttempts;
        this.thread = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread sender = new Thread(runnable, "tributary-outbox");
            sender.setDaemon(true);
            return sender;
        });
        // At shutdown, first attempts already queued still run; resends waiting for their back-off do not.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Sends {@code publication} until acknowledged or out of attempts, unless it is already being sent. */
    void submit(Publication publication, Outcome outcome) {
        if (inFlight.putIfAbsent(publication.id(), publication) == null) {
            run(() -> attempt(publication, 1, outcome), 0);
        }
    }

    /** Whether this instance is still sending {@code id}. */
    boolean isInFlight(UUID id) {
        return inFlight.containsKey(id);
    }

    /** Runs {@code task} on the sender thread. */
    void execute(Runnable task) {
        run(task, 0);
    }

    /** Runs {@code task} on the sender thread every {@code interval}, the first time at once. */
    void schedule(Runnable task, Duration interval) {
        thread.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("Outbox check failed, next in {}: {}", interval, e.toString());
            }
        }, 0, Math.max(interval.toMillis(), 1), TimeUnit.MILLISECONDS);
    }

    private void attempt(Publication publication, int attempt, Outcome outcome) {
        try {
            events.send(publication.topic(), null, publication.event())
                    .whenComplete((metadata, failure) -> run(() -> completed(publication, attempt, failure, outcome), 0));
        } catch (RuntimeException e) {
            completed(publication, attempt, e, outcome);
        }
    }

    private void completed(Publication publication, int attempt, Throwable failure, Outcome outcome) {
        if (failure == null) {
            inFlight.remove(publication.id());
            outcome.acknowledged(publication);
            return;
        }
        if (attempt >= maxAttempts) {
            inFlight.remove(publication.id());
            outcome.gaveUp(publication, attempt, failure);
            return;
        }
        outcome.failed(publication, attempt, failure);
        run(() -> attempt(publication, attempt + 1, outcome), backOffMillis(attempt));
    }

    /** {@code backoff} doubled for each attempt already made, at most {@code max-backoff}. */
    private long backOffMillis(int attempts) {
        long backOff = settings.getBackoff().toMillis() << Math.min(attempts - 1, 30);
        return Math.min(backOff < 0 ? Long.MAX_VALUE : backOff, settings.getMaxBackoff().toMillis());
    }

    private void run(Runnable task, long delayMillis) {
        Runnable logged = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // A scheduled task's exception would otherwise vanish into its unread future.
                log.error("Outbox step failed", e);
            }
        };
        try {
            thread.schedule(logged, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down: what is still in flight is reported by destroy().
        }
    }

    /** Publications not acknowledged yet. */
    Collection<Publication> pending() {
        return List.copyOf(inFlight.values());
    }

    /** Lets queued first attempts run for a moment, then stops; returns what is still pending. */
    Collection<Publication> stop() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
        return pending();
    }
}
