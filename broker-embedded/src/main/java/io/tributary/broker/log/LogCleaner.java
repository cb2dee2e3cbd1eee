package io.tributary.broker.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background log cleaner: {@code log.cleaner.threads} threads, each repeatedly picking the compacted log with
 * the highest dirty ratio among those {@link LogToClean#isCleanable() cleanable}, compacting it with its own
 * {@link Cleaner}, and pausing {@code log.cleaner.backoff.ms} when none is.
 *
 * <pre>
 * log.dir/cleaner-offset-checkpoint     first dirty offset per partition ("topic partition offset" lines)
 * </pre>
 *
 * <p>The checkpoint is written after every pass, so a restart goes on where the last pass stopped. A log is
 * cleaned by one thread at a time ({@code inProgress}, guarded by this object's monitor, as are the
 * checkpoints). The threads are never interrupted: an interrupt would close the segment files' channels under
 * the readers. Stopping is a flag they check between chunks, and a notify for their pause.
 *
 * <p>An I/O error while cleaning takes the log's directory offline (see {@link LogDirFailures}), as Kafka's cleaner
 * reports it to the LogDirFailureChannel; the cleaner then leaves that directory's logs alone. Any other failure
 * marks just the log uncleanable until the next start.
 */
public final class LogCleaner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    static final String CHECKPOINT = "cleaner-offset-checkpoint";
    /** How often the throttler measures the I/O rate (Kafka's value). */
    private static final long THROTTLE_CHECK_INTERVAL_MS = 300;

    private final CleanerConfig config;
    private final Supplier<Collection<PartitionLog>> logs;
    private final Time time;
    private final LogDirFailures failures;
    private final Map<Path, Map<String, Long>> checkpoints = new HashMap<>();
    private final Set<TopicPartition> inProgress = new HashSet<>();
    private final Set<TopicPartition> uncleanable = new HashSet<>();
    private final Set<TopicPartition> aborting = ConcurrentHashMap.newKeySet();
    private final List<Cleaner> cleaners = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Object pause = new Object();
    private volatile boolean stopped;

    public LogCleaner(CleanerConfig config, List<Path> logDirs, Supplier<Collection<PartitionLog>> logs, Time time) {
        this(config, logDirs, logs, time, new LogDirFailures());
    }

    /** A cleaner that writes no checkpoint into a directory {@code failures} reports offline. */
    public LogCleaner(CleanerConfig config, List<Path> logDirs, Supplier<Collection<PartitionLog>> logs, Time time,
                      LogDirFailures failures) {
        this.config = config;
        this.logs = logs;
        this.time = time;
        this.failures = failures;
        for (Path dir : logDirs) {
            checkpoints.put(dir, Checkpoints.readOffsets(dir.resolve(CHECKPOINT)));
        }
        var throttler = new Throttler(config.maxIoBytesPerSecond(), THROTTLE_CHECK_INTERVAL_MS, time, this::pause);
        for (int i = 0; i < Math.max(1, config.threads()); i++) {
            cleaners.add(new Cleaner(config.dedupeBufferBytesPerThread(), config.loadFactor(),
                    config.ioBufferBytesPerThread(), throttler, time,
                    cleaning -> stopped || aborting.contains(cleaning.topicPartition()) || cleaning.isOffline()));
        }
    }

    /** Starts the threads, unless {@code log.cleaner.enable=false}. */
    public void startup() {
        if (!config.enable()) {
            log.info("The log cleaner is disabled (log.cleaner.enable=false): compacted topics will grow");
            return;
        }
        for (int i = 0; i < config.threads(); i++) {
            Cleaner cleaner = cleaners.get(i);
            Thread thread = new Thread(() -> run(cleaner), "tributary-log-cleaner-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void run(Cleaner cleaner) {
        while (!stopped) {
            if (!cleanFilthiestLog(cleaner)) {
                pause(config.backoffMs());
            }
        }
    }

    private void pause(long ms) {
        synchronized (pause) {
            if (!stopped) {
                try {
                    pause.wait(ms);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    stopped = true;
                }
            }
        }
    }

    /** One pass of the first cleaner, on the caller's thread (tests drive the cleaner this way). */
    boolean cleanOnce() {
        return cleanFilthiestLog(cleaners.get(0));
    }

    /** Cleans the filthiest cleanable log; false when there was none. */
    private boolean cleanFilthiestLog(Cleaner cleaner) {
        LogToClean filthiest = grabFilthiest(time.milliseconds());
        if (filthiest == null) {
            return false;
        }
        PartitionLog partitionLog = filthiest.log();
        Long nextDirtyOffset = null;
        long startNs = System.nanoTime(); // real elapsed time for the log line, whatever clock drives cleaning
        try {
            Cleaner.Result result = cleaner.clean(filthiest);
            nextDirtyOffset = result.nextDirtyOffset();
            log.info("{}: compacted offsets [{}, {}) in {} ms: {} segment group(s), {} -> {} bytes, "
                    + "{} of {} records kept",
                    partitionLog.topicPartition(), filthiest.firstDirtyOffset(), nextDirtyOffset,
                    (System.nanoTime() - startNs) / 1_000_000, result.groups(), result.bytesBefore(),
                    result.bytesAfter(), result.recordsRetained(), result.recordsRead());
        } catch (Cleaner.AbortedException e) {
            log.debug("{}: compaction aborted", partitionLog.topicPartition());
        } catch (KafkaStorageException e) {
            // Its directory is offline already (whoever took it offline logged why): nothing to do until a restart.
            log.debug("{}: compaction stopped: {}", partitionLog.topicPartition(), e.getMessage());
        } catch (IOException e) {
            // As Kafka's LogCleaner: an I/O error is the disk's, not this log's, so the directory goes offline like
            // after an append's error. The pass changed nothing, or completed a swap (see replaceSegments).
            partitionLog.markDirOffline("Compaction of " + partitionLog.topicPartition() + " failed", e);
        } catch (UncheckedIOException e) {
            partitionLog.markDirOffline("Compaction of " + partitionLog.topicPartition() + " failed", e.getCause());
        } catch (RuntimeException e) {
            log.error("{}: compaction failed; the partition is left uncompacted until the next start",
                    partitionLog.topicPartition(), e);
            synchronized (this) {
                uncleanable.add(partitionLog.topicPartition());
            }
        } finally {
            doneCleaning(partitionLog, nextDirtyOffset);
        }
        return true;
    }

    private synchronized LogToClean grabFilthiest(long nowMs) {
        LogToClean filthiest = null;
        for (PartitionLog candidate : logs.get()) {
            TopicPartition tp = candidate.topicPartition();
            if (!candidate.config().compact() || inProgress.contains(tp) || uncleanable.contains(tp)
                    || aborting.contains(tp) || candidate.isOffline()) {
                continue;
            }
            LogToClean cleanable = LogToClean.of(candidate, checkpointOf(candidate).get(key(tp)), nowMs);
            if (cleanable.isCleanable()
                    && (filthiest == null || cleanable.cleanableRatio() > filthiest.cleanableRatio())) {
                filthiest = cleanable;
            }
        }
        if (filthiest != null) {
            inProgress.add(filthiest.log().topicPartition());
        }
        return filthiest;
    }

    private synchronized void doneCleaning(PartitionLog partitionLog, Long nextDirtyOffset) {
        TopicPartition tp = partitionLog.topicPartition();
        // Nothing is written to an offline directory, not even this checkpoint (see LogDirFailures).
        if (nextDirtyOffset != null && !aborting.contains(tp) && !partitionLog.isOffline()) {
            checkpointOf(partitionLog).put(key(tp), nextDirtyOffset);
            writeCheckpoint(partitionLog.dir().getParent());
        }
        inProgress.remove(tp);
        notifyAll();
    }

    private Map<String, Long> checkpointOf(PartitionLog partitionLog) {
        return checkpoints.computeIfAbsent(partitionLog.dir().getParent(), dir -> new HashMap<>());
    }

    private static String key(TopicPartition tp) {
        return tp.topic() + " " + tp.partition();
    }

    private void writeCheckpoint(Path dir) {
        if (failures.isOffline(dir)) {
            // Nothing is written to an offline directory (see LogDirFailures): its checkpoint stays as it was.
            return;
        }
        try {
            Checkpoints.writeOffsets(dir.resolve(CHECKPOINT), checkpoints.get(dir));
        } catch (UncheckedIOException e) {
            log.warn("Cannot write {}: {}", dir.resolve(CHECKPOINT), e.getMessage());
        }
    }

    /** The checkpointed first dirty offset of a partition, or null. */
    synchronized Long firstDirtyOffset(TopicPartition tp, Path logDir) {
        Map<String, Long> offsets = checkpoints.get(logDir);
        return offsets == null ? null : offsets.get(key(tp));
    }

    /**
     * Stops any pass over the partition, waits for it to end, and forgets its checkpoint: the log is being
     * deleted (or replaced by a new incarnation of its topic).
     */
    public void abortAndForget(TopicPartition tp) {
        aborting.add(tp);
        try {
            synchronized (this) {
                while (inProgress.contains(tp)) {
                    wait();
                }
                uncleanable.remove(tp);
                for (var entry : checkpoints.entrySet()) {
                    if (entry.getValue().remove(key(tp)) != null) {
                        writeCheckpoint(entry.getKey());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            aborting.remove(tp);
        }
    }

    /** Stops the threads; a pass in progress gives up at its next chunk and leaves the log as it was. */
    @Override
    public void close() {
        stopped = true;
        synchronized (pause) {
            pause.notifyAll();
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
