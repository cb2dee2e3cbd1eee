package io.tributary.broker.server;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's scheduled work, on threads split by what may hold them up, so that a slow disk never delays a
 * deadline (a {@code fetch.max.wait.ms}, a session timeout):
 *
 * <pre>
 * io            background.threads  tributary-io-N            fsync of rolled segments, time-based flushes,
 *                                                             retention and segment deletes, checkpoints, producer
 *                                                             state expiry: may wait on a disk as long as it takes
 * expiry        1                   tributary-expiry-1        delayed operations' timeouts (long-poll fetches)
 * coordinators  1                   tributary-coordinator-1   group timers (session, join, sync, initial rebalance
 *                                                             delay, offsets expiry) and transaction timers
 *                                                             (timeouts, transactional id expiry)
 * </pre>
 *
 * As in Kafka, where I/O runs on the {@code background.threads} scheduler while each purgatory has its own expiration
 * reaper and each coordinator its own timer. Delayed operations do not share the coordinators' thread: a
 * coordinator timer takes its shard's lock, which a request thread may hold while it appends.
 *
 * <p>Thread pools create their threads on first use; all are daemons, so an embedding application that forgets
 * {@code close()} can still exit.
 */
final class BrokerSchedulers implements AutoCloseable {
    private final IoScheduler io;
    private final ScheduledThreadPoolExecutor expiry;
    private final ScheduledThreadPoolExecutor coordinators;

    BrokerSchedulers(int ioThreads) {
        io = new IoScheduler(ioThreads, threads("tributary-io"));
        expiry = timer("tributary-expiry");
        coordinators = timer("tributary-coordinator");
    }

    private static ScheduledThreadPoolExecutor timer(String name) {
        var timer = new ScheduledThreadPoolExecutor(1, threads(name));
        // Cancelled deadlines (a fetch completed early, a timer re-armed by a heartbeat) leave the queue at once.
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** Disk work. */
    ScheduledExecutorService io() {
        return io;
    }

    /** Timeouts of delayed operations. */
    ScheduledExecutorService expiry() {
        return expiry;
    }

    /** Group and transaction coordinator timers. */
    ScheduledExecutorService coordinators() {
        return coordinators;
    }

    /** Test hook: runs on an I/O thread before each I/O task, e.g. to make the disk look slow. */
    void beforeEachIoTask(Runnable hook) {
        io.beforeEach = hook;
    }

    /** Stops every thread; tasks not started yet are dropped. */
    @Override
    public void close() {
        for (ScheduledThreadPoolExecutor scheduler : List.of(coordinators, expiry, io)) {
            scheduler.shutdownNow();
        }
    }

    private static ThreadFactory threads(String prefix) {
        var counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static final class IoScheduler extends ScheduledThreadPoolExecutor {
        private volatile Runnable beforeEach = () -> { };

        IoScheduler(int threads, ThreadFactory threadFactory) {
            super(threads, threadFactory);
        }

        @Override
        protected void beforeExecute(Thread thread, Runnable task) {
            beforeEach.run();
        }
    }
}
