package io.tributary.broker.log;

import io.tributary.broker.log.Checkpoints.PartitionOffset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the log directories and every {@link PartitionLog} in them: opening logs (with crash recovery), the
 * background retention and flush passes, the {@link LogCleaner} (compaction), and the checkpoint files that make
 * restarts fast.
 *
 * <pre>
 * log.dir/
 *   .lock                              (held while the broker runs)
 *   meta.properties                    (cluster.id, node.id)
 *   .tributary-clean-shutdown          (present only after a clean stop: no recovery needed)
 *   recovery-point-offset-checkpoint   (offsets below which every log is flushed, with each log's topic id)
 *   log-start-offset-checkpoint        (with each log's topic id)
 *   cleaner-offset-checkpoint          (first dirty offset of each compacted log, see LogCleaner)
 *   orders-0/partition.metadata        (topic_id, so a re-created topic never reuses old data)
 * </pre>
 *
 * <p>A log is one incarnation of a partition, known by its topic id as in Kafka: a topic deleted and created again
 * under the same name gets a new id and a new, empty log that starts at offset 0. The checkpoints are read once, at
 * start, and apply only to a log that was then on disk and has the topic id they were written for; a log created
 * later starts at offset 0 and is recovered from its start, as Kafka's {@code getOrCreateLog} creates one.
 *
 * <p>A directory whose files fail with an I/O error goes offline until the next start ({@link LogDirFailures}, as
 * Kafka's {@code LogManager.handleLogDirFailure}): its logs leave the logs managed here (retention, flushes, the
 * cleaner, checkpoints, DescribeLogDirs), new logs go to the other directories, and on close nothing is written to
 * it (no flush, checkpoint or clean-shutdown marker), so the next start recovers its logs from their files. The same
 * at start ({@code LogManager.loadLogs}): an I/O error taking a directory into use or opening one of its logs takes it
 * offline, a log there is refused with KafkaStorageException rather than re-created empty elsewhere, and only when
 * every directory failed does the start fail ({@link #checkAnyDirOnline}).
 *
 * <p>Thread-safety: the maps of logs and of their topic ids are concurrent; each log serializes its own mutations.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogManager.class);
    static final String CLEAN_SHUTDOWN_FILE = ".tributary-clean-shutdown";
    static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
    static final String LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
    static final String PARTITION_METADATA = "partition.metadata";

    private final List<Path> dirs;
    private final Time time;
    private final ScheduledExecutorService scheduler;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    /** The topic id of each open log, by the log itself, so a checkpoint names the incarnation it read. */
    private final Map<PartitionLog, Uuid> topicIds = new ConcurrentHashMap<>();
    private final LogDirFailures failures = new LogDirFailures();
    /** Logs of failed directories: no longer managed, only their file handles are closed at the end. */
    private final Map<TopicPartition, PartitionLog> offlineLogs = new ConcurrentHashMap<>();
    private final Map<Path, Boolean> cleanShutdown = new HashMap<>();
    /** The checkpoints as read at start, per log directory; entries go when their log is deleted. */
    private final Map<Path, Map<String, PartitionOffset>> recoveryPoints = new HashMap<>();
    private final Map<Path, Map<String, PartitionOffset>> logStartOffsets = new HashMap<>();
    private final List<FileLock> locks = new ArrayList<>();
    private final List<FileChannel> lockChannels = new ArrayList<>();
    private final LogCleaner cleaner;

    public LogManager(List<Path> dirs, Time time, ScheduledExecutorService scheduler, CleanerConfig cleanerConfig) {
        this.dirs = List.copyOf(dirs);
        this.time = time;
        this.scheduler = scheduler;
        this.cleaner = new LogCleaner(cleanerConfig, this.dirs, logs::values, time, failures);
        failures.onFailure(this::handleLogDirFailure);
        for (Path dir : this.dirs) {
            recoveryPoints.put(dir, new ConcurrentHashMap<>());
            logStartOffsets.put(dir, new ConcurrentHashMap<>());
            try {
                Files.createDirectories(dir);
                FileChannel channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    channel.close();
                    throw new IllegalStateException("The log directory " + dir
                            + " is in use by another broker process (log.dirs must not be shared)");
                }
                lockChannels.add(channel);
                locks.add(lock);
                Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
                cleanShutdown.put(dir, Files.exists(marker));
                Files.deleteIfExists(marker);
                recoveryPoints.get(dir).putAll(
                        Checkpoints.readPartitionOffsets(dir.resolve(RECOVERY_POINT_CHECKPOINT)));
                logStartOffsets.get(dir).putAll(
                        Checkpoints.readPartitionOffsets(dir.resolve(LOG_START_OFFSET_CHECKPOINT)));
            } catch (IOException e) {
                // As Kafka's LogManager: a disk error while taking a directory into use takes it offline, and the
                // broker starts on the others.
                failures.markOffline(dir, "Cannot use log directory " + dir, e);
            } catch (UncheckedIOException e) {
                failures.markOffline(dir, "Cannot use log directory " + dir, e.getCause());
            }
        }
        checkAnyDirOnline();
    }

    /**
     * Fails when every log directory is offline, naming each with its error: the broker cannot start (or go on)
     * without a place for its logs, as Kafka stops when no log directory is left.
     */
    public void checkAnyDirOnline() {
        if (dirs.stream().allMatch(failures::isOffline)) {
            var reasons = new StringBuilder();
            for (Path dir : dirs) {
                reasons.append(reasons.length() == 0 ? "" : "; ").append(LogDirFailures.key(dir)).append(": ")
                        .append(failures.reason(dir));
            }
            throw new IllegalStateException("Every log directory failed with an I/O error, none is left to use: "
                    + reasons);
        }
    }

    public List<Path> dirs() {
        return dirs;
    }

    /** Where I/O errors take log directories offline; see {@link LogDirFailures}. */
    public LogDirFailures failures() {
        return failures;
    }

    public boolean isLogDirOnline(Path dir) {
        return !failures.isOffline(dir);
    }

    /**
     * Stops managing the logs of a directory that just failed (Kafka's {@code LogManager.handleLogDirFailure}). Runs
     * on the thread that hit the error, maybe under a log's lock: it only moves the logs from one map to another.
     */
    private void handleLogDirFailure(Path failedDir) {
        var offline = new ArrayList<TopicPartition>();
        for (PartitionLog partitionLog : logs.values()) {
            if (LogDirFailures.key(partitionLog.dir().getParent()).equals(failedDir)
                    && logs.remove(partitionLog.topicPartition(), partitionLog)) {
                topicIds.remove(partitionLog);
                offlineLogs.put(partitionLog.topicPartition(), partitionLog);
                offline.add(partitionLog.topicPartition());
            }
        }
        log.warn("Partitions {} are offline: their log directory {} failed", offline, failedDir);
    }

    /** Starts retention, time-based flushing, recovery-point checkpointing and the log cleaner. */
    public void startBackgroundTasks(long retentionCheckIntervalMs, long flushCheckIntervalMs,
                                     long checkpointIntervalMs) {
        cleaner.startup();
        scheduler.scheduleWithFixedDelay(this::applyRetention, retentionCheckIntervalMs, retentionCheckIntervalMs,
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::flushByTime, flushCheckIntervalMs, flushCheckIntervalMs,
                TimeUnit.MILLISECONDS);
        if (checkpointIntervalMs > 0) {
            scheduler.scheduleWithFixedDelay(this::checkpoint, checkpointIntervalMs, checkpointIntervalMs,
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Returns the log of a partition, opening or creating it. An existing directory that belongs to another
     * incarnation of the topic (a different topic id) is deleted first.
     */
    public PartitionLog getOrCreate(TopicPartition topicPartition, Uuid topicId, LogConfig config) {
        return getOrCreate(topicPartition, topicId, config, batch -> { });
    }

    /**
     * As {@link #getOrCreate(TopicPartition, Uuid, LogConfig)}; when this call opens the log, every batch it loads
     * is handed to {@code batchVisitor} in offset order (see {@link PartitionLog#open}).
     */
    public PartitionLog getOrCreate(TopicPartition topicPartition, Uuid topicId, LogConfig config,
                                    Consumer<RecordBatch> batchVisitor) {
        // Opened outside the map's lock: recovery can take a while and several partitions open in parallel.
        PartitionLog existing = logs.get(topicPartition);
        if (existing != null) {
            return existing;
        }
        PartitionLog opened = open(topicPartition, topicId, config, batchVisitor);
        topicIds.put(opened, topicId);
        PartitionLog raced = logs.putIfAbsent(topicPartition, opened);
        if (raced != null) {
            topicIds.remove(opened);
            opened.close();
            return raced;
        }
        return opened;
    }

    public PartitionLog get(TopicPartition topicPartition) {
        return logs.get(topicPartition);
    }

    public Collection<PartitionLog> all() {
        return logs.values();
    }

    private PartitionLog open(TopicPartition topicPartition, Uuid topicId, LogConfig config,
                              Consumer<RecordBatch> batchVisitor) {
        String dirName = PartitionLog.dirName(topicPartition);
        for (Path dir : dirs) {
            // A log in an offline directory is not re-created empty in another: its records are still there.
            if (!isLogDirOnline(dir) && (Files.exists(dir.resolve(dirName))
                    || recoveryPoints.get(dir).containsKey(key(topicPartition)))) {
                throw new KafkaStorageException("The log of " + topicPartition + " is in the offline log directory "
                        + dir + " (" + failures.reason(dir) + ")");
            }
        }
        Path home = null;
        for (Path dir : dirs) {
            if (isLogDirOnline(dir) && Files.isDirectory(dir.resolve(dirName))) {
                home = dir;
                break;
            }
        }
        if (home != null && !topicId.equals(readTopicId(home.resolve(dirName)))) {
            log.info("Deleting stale log {} of an earlier incarnation of topic {}", home.resolve(dirName),
                    topicPartition.topic());
            deleteDirectory(home.resolve(dirName));
            home = null;
        }
        boolean onDisk = home != null;
        if (!onDisk) {
            home = leastLoadedDir();
            // A new log: a cleaner checkpoint left by a deleted incarnation of the topic must not apply to it.
            cleaner.abortAndForget(topicPartition);
        }
        Path dir = home.resolve(dirName);
        String key = key(topicPartition);
        boolean clean = onDisk && cleanShutdown.getOrDefault(home, false);
        long recoveryPoint = onDisk ? checkpointed(recoveryPoints, home, key, topicId) : 0;
        long logStart = onDisk ? checkpointed(logStartOffsets, home, key, topicId) : 0;
        long startNanos = System.nanoTime();
        PartitionLog partitionLog;
        try {
            partitionLog = PartitionLog.open(topicPartition, dir, config, clean ? Long.MAX_VALUE : recoveryPoint,
                    logStart, this::runInBackground, time.milliseconds(), batchVisitor, new SplittableRandom(),
                    failures, time);
            writeTopicId(dir, topicId);
        } catch (UncheckedIOException e) {
            // As Kafka's LogManager.loadLogs: an I/O error opening a log takes its whole directory offline.
            throw failures.markOffline(home, "Cannot open the log of " + topicPartition + " in " + dir,
                    e.getCause());
        }
        if (!clean && partitionLog.logEndOffset() > recoveryPoint) {
            log.info("{}: recovered offsets {} to {} after an unclean shutdown in {} ms", topicPartition,
                    recoveryPoint, partitionLog.logEndOffset(), (System.nanoTime() - startNanos) / 1_000_000);
        }
        return partitionLog;
    }

    private static String key(TopicPartition topicPartition) {
        return topicPartition.topic() + " " + topicPartition.partition();
    }

    /** The offset checkpointed at start for the log of {@code topicId} at {@code key} in {@code dir}, else 0. */
    private static long checkpointed(Map<Path, Map<String, PartitionOffset>> checkpoints, Path dir, String key,
                                     Uuid topicId) {
        PartitionOffset entry = checkpoints.get(dir).get(key);
        return entry != null && entry.belongsTo(topicId) ? entry.offset() : 0;
    }

    private Path leastLoadedDir() {
        Path best = null;
        long bestCount = Long.MAX_VALUE;
        for (Path dir : dirs) {
            if (!isLogDirOnline(dir)) {
                continue;
            }
            long count = logs.values().stream().filter(l -> l.dir().getParent().equals(dir)).count();
            if (count < bestCount) {
                best = dir;
                bestCount = count;
            }
        }
        if (best == null) {
            throw new KafkaStorageException("Every log directory is offline after an I/O error: " + dirs);
        }
        return best;
    }

    private static Uuid readTopicId(Path partitionDir) {
        Path file = partitionDir.resolve(PARTITION_METADATA);
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith("topic_id:")) {
                    return Uuid.fromString(line.substring("topic_id:".length()).trim());
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    private static void writeTopicId(Path partitionDir, Uuid topicId) {
        if (!topicId.equals(readTopicId(partitionDir))) {
            Checkpoints.writeAtomically(partitionDir.resolve(PARTITION_METADATA),
                    "version: 0\ntopic_id: " + topicId + "\n");
        }
    }

    /**
     * Closes and deletes the log of a partition whose topic was deleted or moved away, and forgets what the
     * checkpoints read at start said of it.
     */
    public void delete(TopicPartition topicPartition) {
        PartitionLog offline = offlineLogs.remove(topicPartition);
        if (offline != null) {
            // Its files stay until the directory is back: a restart deletes them as a stray log.
            offline.close();
        }
        PartitionLog removed = logs.remove(topicPartition);
        cleaner.abortAndForget(topicPartition);
        for (Path dir : dirs) {
            recoveryPoints.get(dir).remove(key(topicPartition));
            logStartOffsets.get(dir).remove(key(topicPartition));
        }
        if (removed != null) {
            topicIds.remove(removed);
            removed.deleteAll();
        }
    }

    /** Deletes partition directories of topics the metadata no longer knows (deleted while we were down). */
    public void deleteStrayLogs(java.util.function.Predicate<String> isKnownPartitionDir) {
        for (Path dir : dirs) {
            if (!isLogDirOnline(dir)) {
                continue;
            }
            try (Stream<Path> children = Files.list(dir)) {
                for (Path child : children.filter(Files::isDirectory).toList()) {
                    String name = child.getFileName().toString();
                    if (name.matches(".+-\\d+") && !isKnownPartitionDir.test(name)
                            && !logs.containsKey(parse(name))) {
                        log.info("Deleting stray log {} (its topic no longer exists)", child);
                        deleteDirectory(child);
                    }
                }
            } catch (IOException e) {
                log.warn("Cannot scan {} for stray logs: {}", dir, e.toString());
            }
        }
    }

    private static TopicPartition parse(String dirName) {
        int dash = dirName.lastIndexOf('-');
        return new TopicPartition(dirName.substring(0, dash), Integer.parseInt(dirName.substring(dash + 1)));
    }

    private static void deleteDirectory(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.warn("Cannot delete {}: {}", dir, e.toString());
        }
    }

    private void runInBackground(Runnable task, long delayMs) {
        try {
            scheduler.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run();
        }
    }

    /** One retention pass over every log. */
    public void applyRetention() {
        long now = time.milliseconds();
        for (PartitionLog partitionLog : logs.values()) {
            try {
                partitionLog.applyRetention(now);
            } catch (RuntimeException e) {
                log.error("Retention failed for {}", partitionLog.topicPartition(), e);
            }
        }
    }

    private void flushByTime() {
        long now = time.milliseconds();
        for (PartitionLog partitionLog : logs.values()) {
            try {
                partitionLog.maybeFlushByTime(now);
            } catch (RuntimeException e) {
                log.error("Flush failed for {}", partitionLog.topicPartition(), e);
            }
        }
    }

    /**
     * Writes the recovery-point and log-start-offset checkpoints of every directory, each entry with the topic id of
     * the log it was read from. Synchronized: the periodic checkpoint and one after a follower's truncation may meet.
     */
    public synchronized void checkpoint() {
        for (Path dir : dirs) {
            if (!isLogDirOnline(dir)) {
                continue;
            }
            var recovery = new HashMap<String, PartitionOffset>();
            var starts = new HashMap<String, PartitionOffset>();
            for (PartitionLog partitionLog : logs.values()) {
                if (partitionLog.dir().getParent().equals(dir)) {
                    try {
                        // The active segments' new index entries leave the heap (PartitionLog#writeOutIndexes).
                        partitionLog.writeOutIndexes();
                    } catch (KafkaStorageException e) {
                        log.warn("{}", e.getMessage());
                    }
                }
                Uuid topicId = topicIds.get(partitionLog);
                if (topicId != null && partitionLog.dir().getParent().equals(dir)) {
                    String key = key(partitionLog.topicPartition());
                    recovery.put(key, new PartitionOffset(partitionLog.recoveryPoint(), topicId));
                    starts.put(key, new PartitionOffset(partitionLog.logStartOffset(), topicId));
                }
            }
            if (!isLogDirOnline(dir)) {
                continue; // an index write just failed there
            }
            try {
                Checkpoints.writePartitionOffsets(dir.resolve(RECOVERY_POINT_CHECKPOINT), recovery);
                Checkpoints.writePartitionOffsets(dir.resolve(LOG_START_OFFSET_CHECKPOINT), starts);
            } catch (UncheckedIOException e) {
                log.warn("Cannot checkpoint {}: {}", dir, e.getMessage());
            }
        }
    }

    /**
     * Flushes and closes every log, writes the checkpoints and the clean-shutdown marker, in each directory that did
     * not fail; a failed one's logs only have their file handles closed.
     */
    @Override
    public void close() {
        cleaner.close();
        for (PartitionLog partitionLog : logs.values()) {
            partitionLog.close();
        }
        offlineLogs.values().forEach(PartitionLog::close);
        checkpoint();
        markCleanShutdown();
        release();
    }

    /**
     * Stops as a crash would leave the directories (for in-process clusters that kill a node): file handles are
     * closed, but no checkpoint and no clean-shutdown marker is written, so the next start recovers every log from
     * its last recovery point.
     */
    public void halt() {
        cleaner.close();
        for (PartitionLog partitionLog : logs.values()) {
            partitionLog.close();
        }
        offlineLogs.values().forEach(PartitionLog::close);
        release();
    }

    private void markCleanShutdown() {
        for (Path dir : dirs) {
            if (!isLogDirOnline(dir)) {
                log.warn("Log directory {} failed while the broker ran: it is recovered at the next start", dir);
                continue;
            }
            try {
                Files.writeString(dir.resolve(CLEAN_SHUTDOWN_FILE), "", StandardCharsets.UTF_8);
            } catch (IOException e) {
                log.warn("Cannot mark {} as cleanly shut down: {}", dir, e.toString());
            }
        }
    }

    private void release() {
        logs.clear();
        offlineLogs.clear();
        topicIds.clear();
        for (FileLock lock : locks) {
            try {
                lock.release();
            } catch (IOException ignored) {
                // the channel close below releases it anyway
            }
        }
        for (FileChannel channel : lockChannels) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do on shutdown
            }
        }
    }
}
