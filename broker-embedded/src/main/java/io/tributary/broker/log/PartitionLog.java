package io.tributary.broker.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition: an ordered run of {@link LogSegment}s in {@code <log.dir>/<topic>-<partition>/}, the
 * last of which (the active segment) takes appends.
 *
 * <pre>
 * orders-0/
 *   00000000000000000000.log .index .timeindex    (rolled: full, or older than segment.ms)
 *   00000000000000052311.log .index .timeindex    (active)
 *   00000000000000000000.log.cleaned / .log.swap  (only while the cleaner swaps a segment in, see SwapRecovery)
 *   leader-epoch-checkpoint
 * </pre>
 *
 * <p>Invariants: {@code logStartOffset <= recoveryPoint <= logEndOffset}; segments' base offsets increase and
 * each segment holds offsets below the next one's base. One lock ({@code lock}) serializes every mutation (append,
 * roll, truncate, retention, the cleaner's segment swap, flush bookkeeping); reads are lock-free and bounded by a
 * {@link LogOffsetMetadata} the caller took after the bytes were written, so they never see a partial batch.
 * Compaction leaves gaps between offsets; a read finds the next batch at or after the offset it asks for.
 */
public final class PartitionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);
    static final String EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
    /** Suffix of a segment the cleaner is still writing. */
    static final String CLEANED_SUFFIX = ".cleaned";
    /** Suffix of a complete cleaned segment on its way in; see {@link #replaceSegments}. */
    static final String SWAP_SUFFIX = ".swap";

    private final TopicPartition topicPartition;
    private final Path dir;
    /** The log directory {@code dir} is in, and its failures: after an I/O error there, nothing is written. */
    private final Path logDir;
    private final LogDirFailures failures;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final LeaderEpochCache epochs;
    private final BackgroundTasks background;
    /** The clock of the appends and truncations that are not given the time: a follower's. */
    private final Time time;
    /** Draws each active segment's roll jitter; used under {@code lock} only. */
    private final RandomGenerator segmentJitterRandom;
    private final Object lock = new Object();
    private volatile LogConfig config;
    private volatile long logStartOffset;
    private volatile LogOffsetMetadata logEnd;
    private volatile long recoveryPoint;
    private long unflushedRecords;
    private long lastFlushMs;
    /**
     * How much earlier than segment.ms the active segment rolls (segment.jitter.ms), drawn when it became active and
     * kept for its life, as Kafka keeps it per segment. Guarded by {@code lock}.
     */
    private long activeSegmentJitterMs;
    /**
     * How many truncations this log has had. A roll's background flush moves the recovery point only if none came
     * in between: a truncation makes segments below the roll writable again, so the flush may have missed bytes.
     * Guarded by {@code lock}.
     */
    private long truncations;
    /** The offset the cleaner stays below: the replica's high watermark; see {@link #updateHighWatermark}. */
    private volatile long highWatermark = Long.MAX_VALUE;
    /**
     * The last offsets of the batches the cleaner must keep, emptied if need be, from whoever owns the producer state
     * (the partition): each producer's newest data batch and newest batch of any kind, so its sequence, epoch and
     * transaction state survive compaction and a restart rebuilds the same state, as Kafka's cleaner does from its
     * producer state.
     */
    private volatile Supplier<Set<Long>> producerBatchesToKeep = Set::of;
    /** The partition's aborted transactions, kept by its producer state; none until an owner sets them. */
    private volatile AbortedTransactions abortedTransactions = new AbortedTransactions();
    /**
     * Test seam: runs in every read between its range check and its segment lookup, where a test deletes segments
     * to show that the read still answers from one consistent view of the log start. Does nothing otherwise.
     */
    volatile Runnable afterRangeCheck = () -> { };

    /**
     * Runs file work off the append path: deleting a segment's files after {@code file.delete.delay.ms} (so
     * in-flight zero-copy reads finish) and forcing a rolled segment to disk.
     */
    public interface BackgroundTasks {
        void schedule(Runnable task, long delayMs);
    }

    private PartitionLog(TopicPartition topicPartition, Path dir, LogConfig config, LeaderEpochCache epochs,
                         BackgroundTasks background, RandomGenerator segmentJitterRandom, LogDirFailures failures,
                         Time time, long nowMs) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.logDir = dir.toAbsolutePath().getParent();
        this.failures = failures;
        this.config = config;
        this.epochs = epochs;
        this.background = background;
        this.time = time;
        this.segmentJitterRandom = segmentJitterRandom;
        this.lastFlushMs = nowMs;
    }

    public static String dirName(TopicPartition topicPartition) {
        return topicPartition.topic() + "-" + topicPartition.partition();
    }

    /**
     * Opens (or creates) the log in {@code dir}. Segments at or above {@code recoveryPoint} are validated batch by
     * batch and truncated after the last intact batch; their indexes are rebuilt. Segments below it load their
     * indexes, rebuilding any that are unusable.
     */
    public static PartitionLog open(TopicPartition topicPartition, Path dir, LogConfig config, long recoveryPoint,
                                    long logStartOffset, BackgroundTasks background, long nowMs) {
        return open(topicPartition, dir, config, recoveryPoint, logStartOffset, background, nowMs, batch -> { });
    }

    /**
     * As {@link #open(TopicPartition, Path, LogConfig, long, long, BackgroundTasks, long)}, handing every batch of
     * the loaded log, in offset order, to {@code batchVisitor} (it rebuilds the producer state in the same pass as
     * recovery). A batch is only valid during the call.
     */
    public static PartitionLog open(TopicPartition topicPartition, Path dir, LogConfig config, long recoveryPoint,
                                    long logStartOffset, BackgroundTasks background, long nowMs,
                                    Consumer<RecordBatch> batchVisitor) {
        return open(topicPartition, dir, config, recoveryPoint, logStartOffset, background, nowMs, batchVisitor,
                new SplittableRandom());
    }

    /** As above, drawing segment roll jitter from {@code segmentJitterRandom} (a fixed one in tests). */
    static PartitionLog open(TopicPartition topicPartition, Path dir, LogConfig config, long recoveryPoint,
                             long logStartOffset, BackgroundTasks background, long nowMs,
                             Consumer<RecordBatch> batchVisitor, RandomGenerator segmentJitterRandom) {
        return open(topicPartition, dir, config, recoveryPoint, logStartOffset, background, nowMs, batchVisitor,
                segmentJitterRandom, new LogDirFailures());
    }

    /** As above, reporting I/O errors to (and refusing writes after them through) {@code failures}. */
    static PartitionLog open(TopicPartition topicPartition, Path dir, LogConfig config, long recoveryPoint,
                             long logStartOffset, BackgroundTasks background, long nowMs,
                             Consumer<RecordBatch> batchVisitor, RandomGenerator segmentJitterRandom,
                             LogDirFailures failures) {
        return open(topicPartition, dir, config, recoveryPoint, logStartOffset, background, nowMs, batchVisitor,
                segmentJitterRandom, failures, Time.SYSTEM);
    }

    /**
     * As above, with {@code time} the clock of the work that is not given the time ({@link #appendAsFollower},
     * {@link #truncateTo}, {@link #truncateFullyAndStartAt}): segment.ms and flush.ms count on it.
     */
    static PartitionLog open(TopicPartition topicPartition, Path dir, LogConfig config, long recoveryPoint,
                             long logStartOffset, BackgroundTasks background, long nowMs,
                             Consumer<RecordBatch> batchVisitor, RandomGenerator segmentJitterRandom,
                             LogDirFailures failures, Time time) {
        try {
            Files.createDirectories(dir);
            var partitionLog = new PartitionLog(topicPartition, dir, config,
                    new LeaderEpochCache(dir.resolve(EPOCH_CHECKPOINT)), background, segmentJitterRandom, failures,
                    time, nowMs);
            partitionLog.load(recoveryPoint, logStartOffset, nowMs, batchVisitor);
            return partitionLog;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the log of " + topicPartition + " in " + dir, e);
        }
    }

    private void load(long checkpointedRecoveryPoint, long checkpointedLogStart, long nowMs,
                      Consumer<RecordBatch> batchVisitor) throws IOException {
        long nextOffset = LogLoader.load(topicPartition, dir, config, checkpointedRecoveryPoint, checkpointedLogStart,
                nowMs, batchVisitor, segments);
        LogSegment active = segments.lastEntry().getValue();
        logEnd = new LogOffsetMetadata(nextOffset, active.baseOffset(), active.sizeInBytes());
        logStartOffset = Math.max(segments.firstKey(), Math.min(checkpointedLogStart, nextOffset));
        recoveryPoint = Math.min(Math.max(checkpointedRecoveryPoint, logStartOffset), nextOffset);
        epochs.truncateFromEnd(nextOffset);
        epochs.truncateFromStart(logStartOffset);
        activeSegmentJitterMs = config.randomSegmentJitterMs(segmentJitterRandom);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /**
     * Whether this log's directory failed (see {@link LogDirFailures}): then it takes no more writes, and the
     * partition it holds is offline until the broker restarts.
     */
    public boolean isOffline() {
        return failures.isOffline(logDir);
    }

    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEnd.offset();
    }

    public LogOffsetMetadata logEndMetadata() {
        return logEnd;
    }

    public long recoveryPoint() {
        return recoveryPoint;
    }

    public LeaderEpochCache epochs() {
        return epochs;
    }

    public long sizeInBytes() {
        long size = 0;
        for (LogSegment segment : segments.values()) {
            size += segment.sizeInBytes();
        }
        return size;
    }

    /**
     * Assigns offsets to validated batches in place (base offset, partition leader epoch, and the broker's time
     * under LogAppendTime) and appends them to the active segment, rolling first if needed. The batches are
     * written as they are: no copy, nothing allocated per record.
     */
    public LogAppendInfo appendAsLeader(MemoryRecords records, RecordBatchValidator.Summary summary, int leaderEpoch,
                                        long nowMs) {
        synchronized (lock) {
            failures.checkOnline(logDir, topicPartition);
            LogConfig current = config;
            long firstOffset = logEnd.offset();
            long nextOffset = firstOffset;
            boolean logAppendTime = current.messageTimestampType() == TimestampType.LOG_APPEND_TIME;
            for (MutableRecordBatch batch : records.batches()) {
                long lastOffset = nextOffset + (batch.lastOffset() - batch.baseOffset());
                batch.setLastOffset(lastOffset);
                batch.setPartitionLeaderEpoch(leaderEpoch);
                if (logAppendTime) {
                    batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, nowMs);
                }
                nextOffset = lastOffset + 1;
            }
            long maxTimestamp = logAppendTime ? nowMs : summary.maxTimestamp();
            appendAssigned(records, firstOffset, nextOffset - 1, maxTimestamp, summary.recordCount(), leaderEpoch, nowMs);
            return new LogAppendInfo(firstOffset, nextOffset - 1, logAppendTime ? nowMs : RecordBatch.NO_TIMESTAMP,
                    logStartOffset);
        }
    }

    /**
     * Writes assigned batches; the log end and the epoch cache move only once all of it succeeded. On an I/O error
     * the segment is left as it was (it cuts a partial write off itself, and batches already written are cut off
     * when the epoch checkpoint fails), the log directory goes offline and the caller gets a KafkaStorageException:
     * no offset is ever handed out twice, and nothing written after the error is acknowledged.
     */
    private void appendAssigned(MemoryRecords records, long firstOffset, long lastOffset, long maxTimestamp,
                                int recordCount, int leaderEpoch, long nowMs) {
        LogSegment segment;
        try {
            segment = maybeRoll(records.sizeInBytes(), firstOffset, maxTimestamp, nowMs);
            segment.append(firstOffset, lastOffset, maxTimestamp, records);
        } catch (IOException e) {
            throw failures.markOffline(logDir, "Cannot append to " + topicPartition + " at offset " + firstOffset, e);
        }
        try {
            epochs.assign(leaderEpoch, firstOffset);
        } catch (UncheckedIOException e) {
            undoAppend(segment, firstOffset, e);
            throw failures.markOffline(logDir, "Cannot record leader epoch " + leaderEpoch + " of " + topicPartition
                    + " at offset " + firstOffset, e.getCause());
        }
        logEnd = new LogOffsetMetadata(lastOffset + 1, segment.baseOffset(), segment.sizeInBytes());
        unflushedRecords += recordCount;
        if (unflushedRecords >= config.flushMessages()) {
            flushLocked(nowMs);
        }
    }

    /**
     * Cuts batches written from {@code firstOffset} off the segment again (and the epoch that would have started
     * there off the cache), since the log end will not move past them: left in place, the next append would write
     * the same offsets again after them. Best effort: the directory is going offline, and what is left is cut by
     * recovery after the restart.
     */
    private void undoAppend(LogSegment segment, long firstOffset, Exception failure) {
        try {
            segment.truncateTo(firstOffset);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        try {
            epochs.truncateFromEnd(firstOffset);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Appends batches fetched from the leader exactly as the leader wrote them: offsets, partition leader epochs and
     * timestamps kept, nothing assigned (Kafka's {@code UnifiedLog.appendAsFollower}). They are checked first, as
     * {@link FollowerBatches} says (CRC, magic v2, offsets that only grow; a batch cut off at the end of the fetch
     * response is left out), and must start at or after the log end: offsets may jump forward (a compacted leader's
     * gaps) but never overlap what the log has. Each batch whose epoch is newer than the latest one starts that epoch
     * in the epoch cache. Segments roll batch by batch under the rules of {@link #appendAsLeader}, so one fetch can
     * fill several segments of a leader with small ones.
     *
     * <p>All or nothing, as {@link #appendAssigned}: the log end and the epoch cache move only once every batch is
     * written; on an I/O error what this append wrote is cut off again, the log directory goes offline and the
     * caller gets a KafkaStorageException. Copies nothing: the batches go to the segment file from the fetch
     * response's buffer, a run of them per segment.
     *
     * @return the base offset of the first batch and the last offset of the last; both -1 when {@code records}
     *         holds no whole batch (nothing was appended)
     * @throws org.apache.kafka.common.errors.CorruptRecordException a batch fails its CRC or framing check
     * @throws org.apache.kafka.common.InvalidRecordException offsets that go backwards or start below the log end,
     *         or a batch in an older format than v2
     * @throws KafkaStorageException the log directory is offline, or went offline during this append
     */
    public LogAppendInfo appendAsFollower(MemoryRecords records) {
        FollowerBatches batches = FollowerBatches.of(records, topicPartition);
        synchronized (lock) {
            failures.checkOnline(logDir, topicPartition);
            if (batches.isEmpty()) {
                return new LogAppendInfo(-1, -1, RecordBatch.NO_TIMESTAMP, logStartOffset);
            }
            long end = logEnd.offset();
            if (batches.firstOffset() < end) {
                throw new InvalidRecordException("Unexpected offset in append to " + topicPartition
                        + ": the first batch starts at " + batches.firstOffset() + ", below the log end " + end);
            }
            appendFollowerBatches(batches, time.milliseconds());
            return new LogAppendInfo(batches.firstOffset(), batches.lastOffset(), RecordBatch.NO_TIMESTAMP,
                    logStartOffset);
        }
    }

    private void appendFollowerBatches(FollowerBatches batches, long nowMs) {
        LogConfig current = config;
        LogSegment previousActive = activeSegment();
        long previousEnd = logEnd.offset();
        LogSegment target = previousActive;
        long targetBytes = target.sizeInBytes();
        long targetFirstTimestamp = targetBytes > 0 ? target.firstBatchTimestamp() : RecordBatch.NO_TIMESTAMP;
        int runStart = 0;
        int position = 0;
        try {
            for (MutableRecordBatch batch : batches.records().batches()) {
                int size = batch.sizeInBytes();
                if (targetBytes > 0 && shouldRollForFollower(target, targetBytes, targetFirstTimestamp, batch,
                        current, nowMs)) {
                    if (position > runStart) {
                        target.appendBatches(batches.slice(runStart, position));
                    }
                    target = roll(batch.baseOffset(), nowMs);
                    targetBytes = 0;
                    runStart = position;
                }
                if (targetBytes == 0) {
                    targetFirstTimestamp = batch.maxTimestamp();
                }
                targetBytes += size;
                position += size;
            }
            target.appendBatches(batches.slice(runStart, position));
            for (MutableRecordBatch batch : batches.records().batches()) {
                epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
        } catch (IOException | UncheckedIOException e) {
            undoFollowerAppend(previousActive, previousEnd, e);
            throw failures.markOffline(logDir, "Cannot append the leader's batches to " + topicPartition
                    + " at offset " + batches.firstOffset(), e instanceof IOException io ? io
                    : ((UncheckedIOException) e).getCause());
        }
        logEnd = new LogOffsetMetadata(batches.lastOffset() + 1, target.baseOffset(), target.sizeInBytes());
        unflushedRecords += batches.recordCount();
        if (unflushedRecords >= current.flushMessages()) {
            flushLocked(nowMs);
        }
    }

    /**
     * Whether {@code batch} goes to a new segment rather than {@code target}, which holds {@code targetBytes} with
     * batches not written yet, the first of them with {@code targetFirstTimestamp}: the rules of {@link #maybeRoll},
     * plus Kafka's roll when the batch's offsets would not fit the index's 32-bit relative offsets (a compacted
     * leader's gaps can be that wide).
     */
    private boolean shouldRollForFollower(LogSegment target, long targetBytes, long targetFirstTimestamp,
                                          RecordBatch batch, LogConfig current, long nowMs) {
        long waitedMs = targetFirstTimestamp >= 0 ? batch.maxTimestamp() - targetFirstTimestamp
                : target.timeWaitedForRollMs(nowMs, batch.maxTimestamp());
        return targetBytes + batch.sizeInBytes() > current.segmentBytes()
                || waitedMs > current.maxSegmentMs() - activeSegmentJitterMs
                || target.indexFull()
                || batch.lastOffset() - target.baseOffset() > Integer.MAX_VALUE;
    }

    /**
     * Cuts what a failed follower append wrote: the segments it rolled go, the segment that was active is cut back
     * to the old log end, and so is the epoch cache. Best effort, as {@link #undoAppend}.
     */
    private void undoFollowerAppend(LogSegment previousActive, long previousEnd, Exception failure) {
        for (LogSegment rolled : new ArrayList<>(segments.tailMap(previousActive.baseOffset(), false).values())) {
            segments.remove(rolled.baseOffset());
            try {
                rolled.delete();
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
        undoAppend(previousActive, previousEnd, failure);
    }

    /**
     * Rolls before an append of {@code incomingBytes} whose largest timestamp is {@code incomingMaxTimestamp} when the
     * active segment is full, or has waited longer than segment.ms less its jitter (Kafka's LogSegment.shouldRoll:
     * measured between the first batch's timestamp and the incoming one, see {@link LogSegment#timeWaitedForRollMs}).
     */
    private LogSegment maybeRoll(int incomingBytes, long nextOffset, long incomingMaxTimestamp, long nowMs)
            throws IOException {
        LogSegment active = segments.lastEntry().getValue();
        LogConfig current = config;
        boolean full = (long) active.sizeInBytes() + incomingBytes > current.segmentBytes();
        boolean old = active.sizeInBytes() > 0 && active.timeWaitedForRollMs(nowMs, incomingMaxTimestamp)
                > current.maxSegmentMs() - activeSegmentJitterMs;
        if (active.sizeInBytes() > 0 && (full || old || active.indexFull())) {
            return roll(nextOffset, nowMs);
        }
        return active;
    }

    private LogSegment roll(long nextOffset, long nowMs) throws IOException {
        LogSegment segment = LogSegment.open(dir, nextOffset, config, nowMs);
        segments.put(nextOffset, segment);
        activeSegmentJitterMs = config.randomSegmentJitterMs(segmentJitterRandom);
        log.debug("{}: rolled segment at offset {}", topicPartition, nextOffset);
        // Segments below the new one are immutable from here on: force them in the background and then move the
        // recovery point up to it (Kafka's flush on roll), so after a crash only the active segment needs a CRC
        // scan, whatever the flush settings, and appends never wait for a whole segment's fsync.
        long truncationsAtRoll = truncations;
        background.schedule(() -> flushRolled(nextOffset, truncationsAtRoll), 0);
        return segment;
    }

    private void flushRolled(long upToOffset, long truncationsAtRoll) {
        try {
            Long from = segments.floorKey(recoveryPoint);
            if (from != null && from >= upToOffset) {
                // A flush since the roll already took the recovery point past this segment: nothing left to do.
                return;
            }
            var unflushed = from == null ? segments.headMap(upToOffset) : segments.subMap(from, upToOffset);
            for (LogSegment rolled : unflushed.values()) {
                rolled.flush();
            }
        } catch (IOException e) {
            failures.markOffline(logDir, "Cannot flush the rolled segments of " + topicPartition + " below offset "
                    + upToOffset, e);
            return;
        } catch (RuntimeException e) {
            log.warn("{}: cannot flush rolled segments below {}: {}", topicPartition, upToOffset, e.toString());
            return;
        }
        synchronized (lock) {
            if (truncations == truncationsAtRoll && upToOffset > recoveryPoint && upToOffset <= logEnd.offset()) {
                recoveryPoint = upToOffset;
            }
        }
    }

    /**
     * Reads batches from {@code startOffset}, up to {@code maxBytes} (at least one whole batch when
     * {@code minOneBatch}), never past {@code upperBound} (the high watermark, or the log end). Zero-copy: the
     * result is a slice of a segment file.
     *
     * @throws OffsetOutOfRangeException when {@code startOffset} is outside [log start, log end]
     */
    public Records read(long startOffset, int maxBytes, LogOffsetMetadata upperBound, boolean minOneBatch) {
        return read(startOffset, maxBytes, upperBound, minOneBatch, false).records();
    }

    /**
     * As {@link #read(long, int, LogOffsetMetadata, boolean)}; with {@code includeAbortedTransactions} (a
     * read_committed consumer, whose {@code upperBound} is the last stable offset) also the aborted transactions
     * the records returned overlap, bounded by those records as Kafka's {@code LocalLog.addAbortedTransactions}
     * bounds them. The caller takes {@code upperBound} once and before the call: the records and the list then
     * agree, since every transaction that began below the last stable offset had ended, and was listed, when the
     * owner published that offset. Copies nothing. Only when an aborted transaction lies in range does it read
     * batch headers to find where the records end: the first one, or every one when {@code maxBytes} cut the
     * records short.
     *
     * @throws OffsetOutOfRangeException when {@code startOffset} is outside [log start, log end]
     */
    public FetchDataInfo read(long startOffset, int maxBytes, LogOffsetMetadata upperBound, boolean minOneBatch,
                              boolean includeAbortedTransactions) {
        LogOffsetMetadata end = logEnd;
        long start = logStartOffset;
        if (startOffset < start || startOffset > end.offset()) {
            throw outOfRange(startOffset, start, end.offset());
        }
        afterRangeCheck.run();
        if (startOffset >= upperBound.offset()) {
            return FetchDataInfo.empty(includeAbortedTransactions);
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        if (entry == null) {
            // As Kafka's LocalLog.read: an offset no segment holds is out of range. Every offset in [log start, log
            // end] lies in a segment, so the segments holding this one were deleted (retention, DeleteRecords) after
            // the check above; answering from a later segment would skip records without the consumer knowing.
            throw outOfRange(startOffset, logStartOffset, end.offset());
        }
        while (entry != null) {
            LogSegment segment = entry.getValue();
            int maxPosition = maxPositionIn(segment, upperBound);
            FileRecords slice = segment.read(startOffset, maxBytes, maxPosition, minOneBatch);
            if (slice != null) {
                List<AbortedTransactions.AbortedTxn> aborted = includeAbortedTransactions
                        ? abortedTransactionsOf(startOffset, segment, slice, maxPosition, upperBound.offset()) : null;
                return new FetchDataInfo(slice, aborted);
            }
            if (segment.baseOffset() >= upperBound.segmentBaseOffset() && upperBound.positionKnown()) {
                break;
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return FetchDataInfo.empty(includeAbortedTransactions);
    }

    private OffsetOutOfRangeException outOfRange(long offset, long start, long end) {
        return new OffsetOutOfRangeException("Offset " + offset + " is out of range for " + topicPartition
                + " [" + start + ", " + end + "]");
    }

    /**
     * The aborted transactions that overlap the records of {@code slice} (read from {@code startOffset} in
     * {@code segment}, at most up to {@code maxPosition} there): those not ended before {@code startOffset} and
     * begun before the first offset after the records.
     */
    private List<AbortedTransactions.AbortedTxn> abortedTransactionsOf(long startOffset, LogSegment segment,
                                                                      FileRecords slice, int maxPosition,
                                                                      long upperBound) {
        AbortedTransactions aborted = abortedTransactions;
        if (slice.sizeInBytes() == 0 || !aborted.overlaps(startOffset, upperBound)) {
            return List.of();
        }
        return aborted.overlapping(startOffset, offsetAfter(segment, slice, maxPosition, upperBound));
    }

    /**
     * An offset above every offset of the whole batches in {@code slice} and at most {@code upperBound}: where the
     * records a consumer gets from the slice end. When the slice reaches {@code maxPosition} that is the next
     * segment's base offset, or {@code upperBound} itself; when {@code maxBytes} cut it short, possibly inside a
     * batch the consumer then drops, it is found by walking the slice's batch headers (Kafka looks it up in the
     * offset index instead).
     */
    private long offsetAfter(LogSegment segment, FileRecords slice, int maxPosition, long upperBound) {
        Iterator<FileChannelRecordBatch> batches = slice.batches().iterator();
        if (!batches.hasNext()) {
            return upperBound;
        }
        FileChannelRecordBatch batch = batches.next();
        if (batch.position() + slice.sizeInBytes() >= maxPosition) {
            Long nextSegment = segments.higherKey(segment.baseOffset());
            return nextSegment == null ? upperBound : Math.min(nextSegment, upperBound);
        }
        while (batches.hasNext()) {
            batch = batches.next();
        }
        return Math.min(batch.lastOffset() + 1, upperBound);
    }

    private int maxPositionIn(LogSegment segment, LogOffsetMetadata upperBound) {
        if (upperBound.positionKnown()) {
            if (segment.baseOffset() == upperBound.segmentBaseOffset()) {
                return upperBound.position();
            }
            if (segment.baseOffset() < upperBound.segmentBaseOffset()) {
                return segment.sizeInBytes();
            }
            return 0;
        }
        FileRecords.LogOffsetPosition position = segment.translateOffset(upperBound.offset());
        return position == null ? segment.sizeInBytes() : position.position;
    }

    /** The metadata (segment and position) of an offset at or below the log end. */
    public LogOffsetMetadata offsetMetadata(long offset) {
        LogOffsetMetadata end = logEnd;
        if (offset == end.offset()) {
            return end;
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) {
            return LogOffsetMetadata.unknown(offset);
        }
        FileRecords.LogOffsetPosition position = entry.getValue().translateOffset(offset);
        if (position == null) {
            return LogOffsetMetadata.unknown(offset);
        }
        return new LogOffsetMetadata(offset, entry.getKey(), position.position);
    }

    /** The first offset whose timestamp is at or above {@code timestamp} (below {@code upperBound}), or null. */
    public FileRecords.TimestampAndOffset offsetForTimestamp(long timestamp, long upperBound) {
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestamp() < timestamp) {
                continue;
            }
            FileRecords.TimestampAndOffset found = segment.findOffsetByTimestamp(timestamp, logStartOffset);
            if (found != null) {
                return found.offset < upperBound ? found : null;
            }
        }
        return null;
    }

    /**
     * The record with the largest timestamp below {@code upperBound} (ListOffsets MAX_TIMESTAMP, KIP-734), or null.
     * As in Kafka, the answer is the first record carrying that timestamp inside the first batch whose max it is
     * (KAFKA-16310), not that batch's last offset.
     */
    public FileRecords.TimestampAndOffset maxTimestampOffset(long upperBound) {
        RecordBatch best = null;
        for (LogSegment segment : segments.values()) {
            if (best != null && segment.maxTimestamp() <= best.maxTimestamp()) {
                continue;
            }
            for (FileChannelRecordBatch batch : segment.records().batches()) {
                if (batch.baseOffset() >= upperBound) {
                    break;
                }
                if (best == null || batch.maxTimestamp() > best.maxTimestamp()) {
                    best = batch;
                }
            }
        }
        if (best == null) {
            return null;
        }
        long offset = Math.min(best.offsetOfMaxTimestamp().orElse(best.lastOffset()), upperBound - 1);
        return new FileRecords.TimestampAndOffset(best.maxTimestamp(), offset,
                java.util.Optional.of(best.partitionLeaderEpoch()).filter(epoch -> epoch >= 0));
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset} (the log end) when it is newer than every epoch in
     * the cache: a replica becoming leader does it before appending anything (Kafka's
     * {@code maybeAssignEpochStartOffset}), so followers holding a later epoch than any in this log learn where to
     * truncate. A failed checkpoint write takes the log directory offline.
     */
    public void assignEpochStartOffset(int epoch, long startOffset) {
        synchronized (lock) {
            failures.checkOnline(logDir, topicPartition);
            try {
                epochs.assign(epoch, startOffset);
            } catch (UncheckedIOException e) {
                throw failures.markOffline(logDir, "Cannot record leader epoch " + epoch + " of " + topicPartition
                        + " at offset " + startOffset, e.getCause());
            }
        }
    }

    /** Raises the log start offset (DeleteRecords); whole segments below it go at the next retention pass. */
    public long advanceLogStartOffset(long newLogStartOffset) {
        synchronized (lock) {
            if (newLogStartOffset > logStartOffset) {
                logStartOffset = Math.min(newLogStartOffset, logEnd.offset());
                epochs.truncateFromStart(logStartOffset);
                deleteSegmentsBelowLogStart();
            }
            return logStartOffset;
        }
    }

    /**
     * Applies retention: segments entirely before the log start offset, segments whose newest record is older
     * than retention.ms (a segment whose records have no timestamp: its file's last modification, as in Kafka), and
     * the oldest segments while the log is larger than retention.bytes. The active segment is rolled first when it
     * is itself expired. Returns the number of segments deleted.
     */
    public int applyRetention(long nowMs) {
        synchronized (lock) {
            int deleted = deleteSegmentsBelowLogStart();
            LogConfig current = config;
            if (!current.delete()) {
                return deleted;
            }
            try {
                if (current.retentionMs() >= 0) {
                    LogSegment active = segments.lastEntry().getValue();
                    if (active.sizeInBytes() > 0 && nowMs - active.largestTimestamp() > current.retentionMs()) {
                        roll(logEnd.offset(), nowMs);
                        logEnd = new LogOffsetMetadata(logEnd.offset(), logEnd.offset(), 0);
                    }
                    while (segments.size() > 1) {
                        LogSegment oldest = segments.firstEntry().getValue();
                        if (nowMs - oldest.largestTimestamp() <= current.retentionMs()) {
                            break;
                        }
                        deleteOldest();
                        deleted++;
                    }
                }
                if (current.retentionBytes() >= 0) {
                    long size = sizeInBytes();
                    while (segments.size() > 1) {
                        LogSegment oldest = segments.firstEntry().getValue();
                        if (size - oldest.sizeInBytes() < current.retentionBytes()) {
                            break;
                        }
                        size -= oldest.sizeInBytes();
                        deleteOldest();
                        deleted++;
                    }
                }
            } catch (IOException e) {
                throw new KafkaStorageException("Retention failed for " + topicPartition + ": " + e.getMessage(), e);
            }
            if (deleted > 0) {
                log.info("{}: retention deleted {} segment(s); log start offset is now {}", topicPartition, deleted,
                        logStartOffset);
            }
            return deleted;
        }
    }

    private int deleteSegmentsBelowLogStart() {
        int deleted = 0;
        while (segments.size() > 1) {
            Long secondBase = segments.higherKey(segments.firstKey());
            if (secondBase == null || secondBase > logStartOffset) {
                break;
            }
            deleteOldest();
            deleted++;
        }
        return deleted;
    }

    private void deleteOldest() {
        LogSegment oldest = segments.pollFirstEntry().getValue();
        logStartOffset = Math.max(logStartOffset, segments.firstKey());
        recoveryPoint = Math.max(recoveryPoint, logStartOffset);
        epochs.truncateFromStart(logStartOffset);
        deleteLater(oldest);
    }

    /** Renames a segment that left the map to .deleted now and removes its files after file.delete.delay.ms. */
    private void deleteLater(LogSegment segment) {
        try {
            segment.markDeleted();
        } catch (IOException e) {
            log.warn("{}: cannot rename segment {} for deletion: {}", topicPartition, segment.baseOffset(),
                    e.toString());
        }
        scheduleDelete(segment);
    }

    private void scheduleDelete(LogSegment segment) {
        background.schedule(() -> {
            try {
                segment.deleteRenamed();
            } catch (IOException e) {
                log.warn("{}: cannot delete segment {}: {}", topicPartition, segment.baseOffset(), e.toString());
            }
        }, config.fileDeleteDelayMs());
    }

    /**
     * Swaps a cleaned segment in for the segments it was built from, under the log's lock; false (nothing
     * changed) when retention, DeleteRecords or truncation removed any of them meanwhile; a KafkaStorageException
     * (nothing changed) once the log directory failed, or when the first rename fails, which takes it offline.
     * Crash safety, step by step: {@code .cleaned} → {@code .swap} (from here on, opening the log completes the
     * swap), the old segments' files → {@code .deleted}, {@code .swap} → final names (log file last). A rename
     * that fails after the first completes the swap in memory, as the next start completes it from the files, and
     * takes the directory offline so nothing is written over the half-renamed files. Readers holding a slice of an
     * old segment keep reading it: its files are removed only after file.delete.delay.ms.
     *
     * @param cleaned  its files named with {@link #CLEANED_SUFFIX}, flushed; the base offset of {@code replaced}'s
     *                 first segment
     */
    boolean replaceSegments(LogSegment cleaned, List<LogSegment> replaced) throws IOException {
        synchronized (lock) {
            failures.checkOnline(logDir, topicPartition);
            for (LogSegment old : replaced) {
                if (segments.get(old.baseOffset()) != old) {
                    return false;
                }
            }
            try {
                cleaned.changeFileSuffixes(CLEANED_SUFFIX, SWAP_SUFFIX);
            } catch (IOException e) {
                throw failures.markOffline(logDir, "Cannot swap a compacted segment into " + topicPartition
                        + " at offset " + cleaned.baseOffset(), e);
            }
            // Committed: from here on a restart completes the swap from the files, so the swap completes in
            // memory too, whatever a rename below says.
            try {
                for (LogSegment old : replaced) {
                    old.markDeleted();
                }
                cleaned.changeFileSuffixes(SWAP_SUFFIX, "");
            } catch (IOException | RuntimeException e) {
                failures.markOffline(logDir, "Cannot complete the compaction swap of " + topicPartition
                        + " at offset " + cleaned.baseOffset() + "; the next start completes it",
                        e instanceof IOException io ? io : new IOException(e));
            }
            // The new segment takes the first old one's key before the others leave, so a concurrent reader
            // always finds every offset in some segment.
            segments.put(cleaned.baseOffset(), cleaned);
            for (LogSegment old : replaced) {
                if (old.baseOffset() != cleaned.baseOffset()) {
                    segments.remove(old.baseOffset());
                }
                scheduleDelete(old);
            }
            return true;
        }
    }

    /**
     * Takes this log's directory offline after an I/O error outside an append (the cleaner's: Kafka's LogCleaner
     * reports to the LogDirFailureChannel) and returns the exception to throw; see {@link LogDirFailures}.
     */
    KafkaStorageException markDirOffline(String message, IOException cause) {
        return failures.markOffline(logDir, message, cause);
    }

    /**
     * Publishes the offset the cleaner stays below: the last stable offset (at most the high watermark), so records
     * a new leader could still truncate, or an open transaction could still abort, are never the reason others
     * were removed. Until an owner publishes one, the active segment is the only bound.
     */
    public void updateHighWatermark(long offset) {
        highWatermark = offset;
    }

    long highWatermark() {
        return highWatermark;
    }

    /** The active segment (never cleaned). */
    LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    /** The segments holding offsets in [{@code from}, {@code to}), oldest first: a snapshot. */
    List<LogSegment> segmentsBetween(long from, long to) {
        Long first = segments.floorKey(from);
        return new ArrayList<>(segments.subMap(first == null ? Long.MIN_VALUE : first, true, to, false).values());
    }

    /**
     * Where the cleaner learns which producers' batches it must keep: a snapshot of their last offsets. Set by the
     * owner of the producer state; none by default.
     */
    public void producerBatchesToKeep(Supplier<Set<Long>> snapshot) {
        this.producerBatchesToKeep = snapshot;
    }

    /** Where the cleaner learns which transactions were aborted: set by the owner of the producer state. */
    public void abortedTransactions(AbortedTransactions aborted) {
        this.abortedTransactions = aborted;
    }

    AbortedTransactions abortedTransactions() {
        return abortedTransactions;
    }

    /** The last offsets of the producers' batches the cleaner keeps. */
    Set<Long> producerBatchesToKeep() {
        return producerBatchesToKeep.get();
    }

    /**
     * Removes everything at or after {@code offset}: a follower's divergent tail (Kafka's {@code UnifiedLog.truncateTo}).
     * The segments above it go (their files after file.delete.delay.ms, so reads in flight finish), the one holding
     * it is cut and becomes the active segment (its segment.ms clock restarts if it is left empty), and the epoch
     * cache, the recovery point, the log start and the cleaner's bound come down to the new log end. A batch with
     * offsets on both sides of {@code offset} goes whole, so the log end may land below {@code offset}: the log
     * always ends after a whole batch, where the leader's next batch can follow. Below the first segment the log
     * starts over, empty, at {@code offset} ({@link #truncateFullyAndStartAt}). At or past the log end nothing is
     * removed, but epochs that start there are, as in Kafka (an epoch begun without a batch written in it).
     *
     * <p>Crash safety: the segments above go first, newest first, so a crash part-way leaves a prefix of the log as
     * it was, never a log with a hole. The caller rebuilds what it derived from the removed batches (producer
     * state, high watermark).
     *
     * @throws KafkaStorageException the log directory is offline, or went offline on an I/O error here
     */
    public void truncateTo(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("Cannot truncate " + topicPartition + " to a negative offset " + offset);
        }
        synchronized (lock) {
            failures.checkOnline(logDir, topicPartition);
            long end = logEnd.offset();
            if (offset >= end) {
                truncateEpochsFromEnd(end);
            } else if (offset < segments.firstKey()) {
                truncateFullyLocked(offset);
            } else {
                truncateLocked(offset);
            }
        }
    }

    private void truncateLocked(long offset) {
        long endBefore = logEnd.offset();
        LogSegment holding = segments.floorEntry(offset).getValue();
        long cutBatchBase = holding.baseOffsetOfBatchAt(offset);
        long newEnd = cutBatchBase >= 0 && cutBatchBase < offset ? cutBatchBase : offset;
        List<LogSegment> removed = new ArrayList<>(segments.tailMap(holding.baseOffset(), false).values());
        try {
            for (int i = removed.size() - 1; i >= 0; i--) {
                removed.get(i).markDeleted();
            }
            holding.truncateTo(newEnd);
        } catch (IOException e) {
            throw failures.markOffline(logDir, "Cannot truncate " + topicPartition + " to offset " + offset, e);
        }
        for (int i = removed.size() - 1; i >= 0; i--) {
            segments.remove(removed.get(i).baseOffset());
            scheduleDelete(removed.get(i));
        }
        if (holding.sizeInBytes() == 0) {
            holding.resetCreatedMs(time.milliseconds());
        }
        activeSegmentJitterMs = config.randomSegmentJitterMs(segmentJitterRandom);
        logStartOffset = Math.min(logStartOffset, newEnd);
        logEnd = new LogOffsetMetadata(newEnd, holding.baseOffset(), holding.sizeInBytes());
        recoveryPoint = Math.min(recoveryPoint, newEnd);
        highWatermark = Math.min(highWatermark, newEnd);
        truncations++;
        truncateEpochsFromEnd(newEnd);
        log.info("{}: truncated to offset {} (the log ended at {}; {} segment(s) removed)", topicPartition, newEnd,
                endBefore, removed.size());
    }

    /**
     * Deletes every segment and starts the log over, empty, at {@code newOffset}: log start, log end and recovery
     * point are {@code newOffset} and the epoch cache is cleared (Kafka's {@code UnifiedLog.truncateFullyAndStartAt}).
     * A follower does this when its log end fell below its leader's log start. The old segments' files go after
     * file.delete.delay.ms.
     *
     * <p>Crash safety: the old segments go first (renamed, newest first), then the epoch cache is cleared, then the
     * new segment is created; a start after a crash part-way finds a prefix of the old log with its epochs, or an
     * empty log without epochs, or the new one.
     *
     * @throws KafkaStorageException the log directory is offline, or went offline on an I/O error here
     */
    public void truncateFullyAndStartAt(long newOffset) {
        if (newOffset < 0) {
            throw new IllegalArgumentException("Cannot start " + topicPartition + " at a negative offset " + newOffset);
        }
        synchronized (lock) {
            failures.checkOnline(logDir, topicPartition);
            truncateFullyLocked(newOffset);
        }
    }

    private void truncateFullyLocked(long newOffset) {
        long nowMs = time.milliseconds();
        List<LogSegment> removed = new ArrayList<>(segments.values());
        LogSegment fresh;
        try {
            for (int i = removed.size() - 1; i >= 0; i--) {
                removed.get(i).markDeleted();
            }
            epochs.clear();
            fresh = LogSegment.open(dir, newOffset, config, nowMs);
        } catch (IOException e) {
            throw failures.markOffline(logDir, "Cannot start " + topicPartition + " over at offset " + newOffset, e);
        } catch (UncheckedIOException e) {
            throw failures.markOffline(logDir, "Cannot clear the leader epochs of " + topicPartition, e.getCause());
        }
        // The new segment is in the map before the old ones leave it, so a reader always finds a segment.
        segments.put(newOffset, fresh);
        for (LogSegment old : removed) {
            if (old.baseOffset() != newOffset) {
                segments.remove(old.baseOffset());
            }
            scheduleDelete(old);
        }
        activeSegmentJitterMs = config.randomSegmentJitterMs(segmentJitterRandom);
        logStartOffset = newOffset;
        logEnd = new LogOffsetMetadata(newOffset, newOffset, 0);
        recoveryPoint = newOffset;
        highWatermark = Math.min(highWatermark, newOffset);
        unflushedRecords = 0;
        truncations++;
        log.info("{}: deleted {} segment(s) and started over, empty, at offset {}", topicPartition, removed.size(),
                newOffset);
    }

    private void truncateEpochsFromEnd(long offset) {
        try {
            epochs.truncateFromEnd(offset);
        } catch (UncheckedIOException e) {
            throw failures.markOffline(logDir, "Cannot truncate the leader epochs of " + topicPartition + " at offset "
                    + offset, e.getCause());
        }
    }

    /** Forces unflushed segments to disk when flush.ms has passed since the last flush. */
    public void maybeFlushByTime(long nowMs) {
        synchronized (lock) {
            if (unflushedRecords > 0 && nowMs - lastFlushMs >= config.flushMs()) {
                flushLocked(nowMs);
            }
        }
    }

    /**
     * Writes the active segment's new index entries to their files, without forcing them, so they leave the heap:
     * the entries of a segment still being appended to otherwise stay there until it rolls or is flushed, which with
     * 1 GiB segments is megabytes per partition. Kafka keeps the active index memory-mapped instead. Called at each
     * recovery-point checkpoint; under the lock, so retention cannot delete the segment meanwhile.
     */
    public void writeOutIndexes() {
        synchronized (lock) {
            if (isOffline() || segments.isEmpty()) {
                return;
            }
            try {
                activeSegment().writeOutIndexes();
            } catch (IOException e) {
                throw failures.markOffline(logDir, "Cannot write the indexes of " + topicPartition, e);
            }
        }
    }

    /** Forces every segment with unflushed bytes to disk and moves the recovery point to the log end. */
    public void flush(long nowMs) {
        synchronized (lock) {
            flushLocked(nowMs);
        }
    }

    private void flushLocked(long nowMs) {
        long end = logEnd.offset();
        try {
            Map.Entry<Long, LogSegment> from = segments.floorEntry(recoveryPoint);
            for (LogSegment segment : (from == null ? segments : segments.tailMap(from.getKey())).values()) {
                segment.flush();
            }
        } catch (IOException e) {
            throw failures.markOffline(logDir, "Cannot flush " + topicPartition, e);
        }
        recoveryPoint = end;
        unflushedRecords = 0;
        lastFlushMs = nowMs;
    }

    @Override
    public void close() {
        synchronized (lock) {
            // A failed directory gets no more writes, not even a flush: its files are recovered at the next start.
            boolean offline = isOffline();
            for (LogSegment segment : segments.values()) {
                try {
                    if (offline) {
                        segment.closeHandlers();
                    } else {
                        segment.flush();
                        segment.close();
                    }
                } catch (IOException e) {
                    log.warn("{}: error closing segment {}: {}", topicPartition, segment.baseOffset(), e.toString());
                }
            }
            if (!offline) {
                recoveryPoint = logEnd.offset();
            }
        }
    }

    /** Closes and removes the whole partition directory (topic deletion). */
    public void deleteAll() {
        synchronized (lock) {
            for (LogSegment segment : segments.values()) {
                try {
                    segment.delete();
                } catch (IOException e) {
                    log.warn("{}: cannot delete segment {}: {}", topicPartition, segment.baseOffset(), e.toString());
                }
            }
            segments.clear();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                log.warn("{}: cannot delete directory {}: {}", topicPartition, dir, e.toString());
            }
        }
    }

    /** Base offsets of the segments, oldest first (for tests and DescribeLogDirs). */
    public List<Long> segmentBaseOffsets() {
        return new ArrayList<>(segments.keySet());
    }
}
