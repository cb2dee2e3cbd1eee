package io.tributary.broker.group;

/**
 * Schedules the coordinator's deadlines (session expiry, rebalance and sync timeouts, the initial rebalance
 * delay). Injected so tests drive time by hand instead of sleeping.
 */
@FunctionalInterface
public interface CoordinatorTimer {
    Cancellable schedule(long delayMs, Runnable task);

    /** A scheduled task that may still be called off. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }
}
