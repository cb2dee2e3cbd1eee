package io.tributary.broker.log;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log directories this node stopped using after an I/O error, as Kafka's {@code LogDirFailureChannel}: the first
 * IOException on a directory's files takes the whole directory offline until the broker restarts. Its partitions are
 * then offline (produce and fetch are answered KAFKA_STORAGE_ERROR), nothing more is written there, not even
 * checkpoints or the clean-shutdown marker, so the next start recovers it from its files; the node goes on serving the
 * partitions of its other directories.
 *
 * <p>Why the whole directory and for good: an I/O error is rarely about one file (a full or failing disk, a lost
 * mount), and after one the content of the files there is not known (a write may have stopped half-way). Going on
 * would acknowledge records that may not be there, or serve bytes that are not whole batches.
 *
 * <p>Thread-safe. Any thread doing I/O may report a failure; the listeners run once per directory, on that thread,
 * which may hold a partition log's lock: they must not block or take another log's lock.
 *
 * <p>For fault-injection tests it can also make the disk slow: {@link #delayWrites} makes every write to a log (each
 * checked here first, under the log's lock, as a slow device would hold it) wait that long.
 */
public final class LogDirFailures {
    private static final Logger log = LoggerFactory.getLogger(LogDirFailures.class);

    /** Offline directories (absolute, normalized) and the error that took each offline. */
    private final Map<Path, String> offline = new ConcurrentHashMap<>();
    private final List<Consumer<Path>> listeners = new CopyOnWriteArrayList<>();
    /** How long every write waits first (a slow disk, for tests); 0: not at all. */
    private volatile long writeDelayNanos;

    /** Calls {@code listener} with each directory that goes offline from now on. */
    public void onFailure(Consumer<Path> listener) {
        listeners.add(listener);
    }

    public boolean isOffline(Path logDir) {
        return !offline.isEmpty() && offline.containsKey(key(logDir));
    }

    /** Why {@code logDir} went offline, or null while it is online. */
    public String reason(Path logDir) {
        return offline.get(key(logDir));
    }

    /** The directories offline now. */
    public Set<Path> offlineDirs() {
        return Set.copyOf(offline.keySet());
    }

    /** Makes every later write to these directories wait {@code delay} first (zero: no more); a test's slow disk. */
    public void delayWrites(Duration delay) {
        writeDelayNanos = Math.max(0, delay.toNanos());
    }

    /**
     * Refuses any work on an offline directory's files (Kafka: "the log dir is already offline"); called before every
     * write, which waits here while the disk is made slow ({@link #delayWrites}).
     */
    void checkOnline(Path logDir, Object what) {
        long delay = writeDelayNanos;
        if (delay > 0) {
            LockSupport.parkNanos(delay);
        }
        if (isOffline(logDir)) {
            throw new KafkaStorageException("The log directory " + logDir + " of " + what
                    + " is offline after an I/O error (" + offline.get(key(logDir)) + ")");
        }
    }

    /**
     * Takes {@code logDir} offline after {@code cause} (the first time; later errors there are only logged) and
     * returns the exception to throw to whoever asked for the failed work.
     */
    KafkaStorageException markOffline(Path logDir, String message, IOException cause) {
        Path dir = key(logDir);
        if (offline.putIfAbsent(dir, message + ": " + cause) == null) {
            log.error("Log directory {} is offline until the broker restarts: {}", dir, message, cause);
            for (Consumer<Path> listener : listeners) {
                try {
                    listener.accept(dir);
                } catch (RuntimeException e) {
                    log.error("Handling the failure of log directory {} failed", dir, e);
                }
            }
        } else {
            log.warn("{} (log directory {} is offline already): {}", message, dir, cause.toString());
        }
        return new KafkaStorageException(message + ": " + cause, cause);
    }

    static Path key(Path logDir) {
        return logDir.toAbsolutePath().normalize();
    }
}
