package io.tributary.broker.log;

import static io.tributary.broker.log.LogModel.check;

import io.tributary.broker.log.LogModel.Rec;
import io.tributary.broker.log.LogModel.Txn;
import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.TestPartitions;
import io.tributary.broker.txn.ProducerStateTable;
import io.tributary.broker.txn.TransactionVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * One seeded run of {@link LogModelTest}: a partition (its log on disk, producer state, last stable offset) led by
 * this node alone, driven by random operations, each checked against a {@link LogModel}. The seed fixes the topic
 * configuration (cleanup policy, segment size and age, retention, flush interval) and every operation; the clock is
 * manual. Background work (flushing rolled segments, deleting old ones) is queued and run when the run says so, or
 * lost in a crash.
 */
final class LogModelRun {
    /** The cleanup policy of the run's topic. */
    enum Policy {
        DELETE("delete"), COMPACT("compact"), COMPACT_DELETE("compact,delete");

        final String config;

        Policy(String config) {
            this.config = config;
        }
    }

    private enum Kind { PLAIN, IDEMPOTENT, TRANSACTIONAL }

    /** A batch a producer sent, kept to send again as a retry. */
    private record Sent(int baseSequence, List<SimpleRecord> records, Compression compression, long firstOffset,
                        long lastOffset, Txn txn) {
    }

    private static final class Producer {
        final Kind kind;
        final long id;
        int nextSequence;
        Txn txn;
        final Deque<Sent> recent = new ArrayDeque<>();

        Producer(Kind kind, long id) {
            this.kind = kind;
            this.id = kind == Kind.PLAIN ? RecordBatch.NO_PRODUCER_ID : id;
        }
    }

    /** Background work the log scheduled; deletions carry file.delete.delay.ms, flushes of rolled segments 0. */
    private record Task(Runnable work, long delayMs) {
    }

    private static final TopicPartition PARTITION = new TopicPartition("model", 0);
    private static final TransactionVerifier VERIFIED = (producerId, epoch, partition) -> Errors.NONE;
    private static final short EPOCH = 0;
    private static final int KEYS = 12;
    private static final long MINUTE_MS = 60_000L;
    private static final long HOUR_MS = 60 * MINUTE_MS;
    private static final long DAY_MS = 24 * HOUR_MS;
    private static final int RECENT_OPERATIONS = 30;

    private final long seed;
    private final SplittableRandom random;
    private final Path logDir;
    private final Path dir;
    private final Policy policy;
    private final Map<String, String> topicConfig = new HashMap<>();
    private final LogConfig config;
    private final ManualTime time = new ManualTime(System.currentTimeMillis());
    private final LogModel model = new LogModel();
    private final LogModelReads reads;
    private final List<Producer> producers = new ArrayList<>();
    private final List<Task> pending = new ArrayList<>();
    private final Deque<String> recentOperations = new ArrayDeque<>();
    private final LogCleaner cleaner;
    /**
     * The timestamps producers mostly write for a while (0-5 current, 6-7 none, 8 old, 9 mixed), so that whole
     * segments hold records without timestamps, or only old ones.
     */
    private int timestamps;
    private long nextProducerId = 1000;
    private long nextValue;
    private PartitionLog log;
    private Partition partition;
    private int operation = -1;

    LogModelRun(long seed, Path logDir) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.logDir = logDir;
        this.dir = logDir.resolve(PartitionLog.dirName(PARTITION));
        this.policy = Policy.values()[(int) Math.floorMod(seed, (long) Policy.values().length)];
        topicConfig.put(LogConfig.CLEANUP_POLICY, policy.config);
        topicConfig.put(LogConfig.SEGMENT_BYTES, String.valueOf(1024 + random.nextInt(3000)));
        topicConfig.put(LogConfig.SEGMENT_MS, String.valueOf(pick(10 * MINUTE_MS, HOUR_MS, 7 * DAY_MS)));
        topicConfig.put(LogConfig.INDEX_INTERVAL_BYTES, String.valueOf(pick(64, 512, 4096)));
        topicConfig.put(LogConfig.FILE_DELETE_DELAY_MS, "1000");
        if (random.nextBoolean()) {
            topicConfig.put(LogConfig.FLUSH_MESSAGES, String.valueOf(1 + random.nextInt(50)));
        }
        if (policy != Policy.COMPACT) {
            topicConfig.put(LogConfig.RETENTION_MS, String.valueOf(pick(-1, HOUR_MS, DAY_MS)));
            topicConfig.put(LogConfig.RETENTION_BYTES, String.valueOf(pick(-1, 4000 + random.nextInt(20_000))));
        }
        if (policy != Policy.DELETE) {
            topicConfig.put(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, String.valueOf(pick(0.01, 0.2, 0.5)));
            topicConfig.put(LogConfig.DELETE_RETENTION_MS, String.valueOf(pick(0, HOUR_MS, DAY_MS)));
            topicConfig.put(LogConfig.MIN_COMPACTION_LAG_MS, String.valueOf(pick(0, 10 * MINUTE_MS)));
        }
        this.config = LogConfig.of(Map.of(), topicConfig);
        this.reads = new LogModelReads(model, policy != Policy.DELETE);
        this.cleaner = new LogCleaner(new CleanerConfig(true, 1, 1024 * 1024, 0.9, 64 * 1024, Double.MAX_VALUE,
                15_000), List.of(logDir), () -> List.of(log), time);
    }

    String description() {
        return "seed " + seed + ", " + topicConfig;
    }

    /** Runs {@code operations} random operations, then checks every record; fails naming the seed and operation. */
    void run(int operations) {
        int index = -1;
        try {
            open(0, 0);
            producers.add(new Producer(Kind.PLAIN, -1));
            producers.add(newProducer(Kind.IDEMPOTENT));
            producers.add(newProducer(Kind.TRANSACTIONAL));
            producers.add(newProducer(Kind.TRANSACTIONAL));
            for (index = 0; index < operations; index++) {
                operation = index;
                step();
                checkOffsets();
            }
            note("final check");
            checkEverything();
        } catch (Throwable e) {
            throw new AssertionError("Log model failed at operation " + index + " of " + description()
                    + "\nreplay: -Dtributary.logModel.seed=" + seed + "\nlast operations:\n  "
                    + String.join("\n  ", recentOperations) + "\n" + e.getMessage(), e);
        } finally {
            close();
        }
    }

    private void close() {
        try {
            cleaner.close();
        } catch (RuntimeException e) {
            // Nothing runs in it: cleanOnce only.
        }
        if (log != null) {
            runPending(task -> true);
            log.close();
        }
    }

    private void step() throws IOException {
        int choice = random.nextInt(1000);
        if (choice < 380) {
            append();
        } else if (choice < 460) {
            endTransaction();
        } else if (choice < 490) {
            retry();
        } else if (choice < 760) {
            read();
        } else if (choice < 810) {
            advanceClock();
        } else if (choice < 845) {
            retention();
        } else if (choice < 860) {
            deleteRecords();
        } else if (choice < 875) {
            note("flush");
            log.flush(time.milliseconds());
            check(log.recoveryPoint() == model.logEnd(), "recovery point " + log.recoveryPoint() + " after a flush");
        } else if (choice < 910) {
            note("run background work");
            runPending(task -> true);
        } else if (choice < 950) {
            clean();
        } else if (choice < 960) {
            note("read everything");
            checkEverything();
        } else if (choice < 990) {
            crash();
        } else {
            restart();
        }
    }

    private Producer newProducer(Kind kind) {
        return new Producer(kind, nextProducerId++);
    }

    // ---- appends ---------------------------------------------------------------------------------------------

    private void append() {
        Producer producer = producers.get(random.nextInt(producers.size()));
        int count = 1 + random.nextInt(random.nextInt(8) == 0 ? 20 : 4);
        long now = time.milliseconds();
        if (random.nextInt(50) == 0) {
            timestamps = random.nextInt(10);
        }
        int timestamps = random.nextInt(4) == 0 ? random.nextInt(10) : this.timestamps;
        var records = new ArrayList<SimpleRecord>();
        for (int i = 0; i < count; i++) {
            long timestamp = switch (timestamps == 9 ? random.nextInt(9) : timestamps) {
                case 6, 7 -> RecordBatch.NO_TIMESTAMP;
                case 8 -> now - DAY_MS - random.nextLong(30 * DAY_MS);
                default -> now - random.nextInt(2000);
            };
            String key = "k" + random.nextInt(KEYS);
            String value = random.nextInt(10) == 0 ? null : "p" + producer.id + "-" + nextValue++;
            records.add(new SimpleRecord(timestamp, bytes(key), bytes(value)));
        }
        Compression compression = random.nextInt(5) == 0 ? Compression.gzip().build() : Compression.NONE;
        if (producer.kind == Kind.TRANSACTIONAL && producer.txn == null) {
            producer.txn = model.newTxn(producer.id);
        }
        note("append " + count + " record(s) of " + producer.kind + " producer " + producer.id + " (timestamps "
                + (timestamps == 9 ? "mixed" : timestamps >= 6 ? (timestamps == 8 ? "old" : "none") : "current")
                + ", " + compression.type() + ")");
        int sequence = producer.nextSequence;
        MemoryRecords batch = batch(producer, sequence, compression, records);
        long maxTimestamp = records.stream().mapToLong(SimpleRecord::timestamp).max().orElse(-1);
        RollCheck roll = new RollCheck(batch.sizeInBytes(), maxTimestamp, now);
        LogAppendInfo info = partition.appendRecordsToLeader(batch, (short) -1, now, VERIFIED);
        long first = model.logEnd();
        check(info.firstOffset() == first && info.lastOffset() == first + count - 1, "appended at ["
                + info.firstOffset() + ", " + info.lastOffset() + "], the log ended at " + first);
        var recs = new ArrayList<Rec>();
        for (int i = 0; i < count; i++) {
            SimpleRecord record = records.get(i);
            recs.add(new Rec(first + i, string(record.key()), string(record.value()), record.timestamp()));
        }
        model.appendData(first, producer.id, producer.txn, recs);
        roll.check(first);
        touchActiveSegment();
        if (producer.kind != Kind.PLAIN) {
            producer.nextSequence += count;
            producer.recent.addLast(new Sent(sequence, records, compression, info.firstOffset(), info.lastOffset(),
                    producer.txn));
            if (producer.recent.size() > 5) {
                producer.recent.removeFirst();
            }
        }
    }

    private static MemoryRecords batch(Producer producer, int sequence, Compression compression,
                                       List<SimpleRecord> records) {
        SimpleRecord[] array = records.toArray(new SimpleRecord[0]);
        return switch (producer.kind) {
            case PLAIN -> MemoryRecords.withRecords(compression, array);
            case IDEMPOTENT -> MemoryRecords.withIdempotentRecords(compression, producer.id, EPOCH, sequence, array);
            case TRANSACTIONAL -> MemoryRecords.withTransactionalRecords(compression, producer.id, EPOCH, sequence,
                    array);
        };
    }

    /** An idempotent producer sends one of its last five batches again: it gets the same offsets, nothing appended. */
    private void retry() {
        List<Producer> candidates = producers.stream().filter(p -> p.recent.stream().anyMatch(
                sent -> sent.txn() == p.txn)).toList();
        if (candidates.isEmpty()) {
            return;
        }
        Producer producer = candidates.get(random.nextInt(candidates.size()));
        List<Sent> retriable = producer.recent.stream().filter(sent -> sent.txn() == producer.txn).toList();
        Sent sent = retriable.get(random.nextInt(retriable.size()));
        note("retry the batch of producer " + producer.id + " at [" + sent.firstOffset() + ", " + sent.lastOffset()
                + "]");
        long end = model.logEnd();
        LogAppendInfo info = partition.appendRecordsToLeader(batch(producer, sent.baseSequence(), sent.compression(),
                sent.records()), (short) -1, time.milliseconds(), VERIFIED);
        check(info.firstOffset() == sent.firstOffset() && info.lastOffset() == sent.lastOffset(), "a retry was "
                + "answered [" + info.firstOffset() + ", " + info.lastOffset() + "]");
        check(log.logEndOffset() == end, "a retry was appended again");
    }

    private void endTransaction() {
        List<Producer> open = producers.stream().filter(p -> p.txn != null).toList();
        if (open.isEmpty()) {
            return;
        }
        Producer producer = open.get(random.nextInt(open.size()));
        boolean commit = random.nextBoolean();
        note((commit ? "commit" : "abort") + " the transaction of producer " + producer.id);
        writeMarker(producer.txn, commit);
        producer.txn = null;
    }

    private void writeMarker(Txn txn, boolean commit) {
        long now = time.milliseconds();
        int bytes = MemoryRecords.withEndTransactionMarker(0L, now, 0, txn.producerId, EPOCH,
                new EndTransactionMarker(ControlRecordType.ABORT, 0)).sizeInBytes();
        RollCheck roll = new RollCheck(bytes, now, now);
        LogAppendInfo info = partition.appendTxnMarker(txn.producerId, EPOCH, 0, commit, now);
        check(info.firstOffset() == model.logEnd(), "marker appended at " + info.firstOffset() + ", the log ended at "
                + model.logEnd());
        model.appendMarker(info.firstOffset(), txn.producerId, txn,
                commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, now);
        roll.check(info.firstOffset());
        touchActiveSegment();
    }

    /**
     * Gives the segment just written the manual clock's time as its last modification, as if the file system's clock
     * were the broker's: retention and compaction lags age a segment of records without timestamps by it.
     */
    private void touchActiveSegment() {
        Path file = dir.resolve(LogSegment.fileName(log.activeSegment().baseOffset(), ".log"));
        try {
            Files.setLastModifiedTime(file, FileTime.fromMillis(time.milliseconds()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether an append rolled exactly when it had to (Kafka's LogSegment.shouldRoll, segment.jitter.ms 0): the
     * active segment is not empty, and the batch does not fit, or its max timestamp is more than segment.ms after
     * the segment's first batch's. A segment whose first batch has no timestamp counts from its creation, which the
     * model does not know: it may roll or not.
     */
    private final class RollCheck {
        private final List<Long> segmentsBefore = log.segmentBaseOffsets();
        private final boolean full;
        private final boolean late;
        private final boolean maybeLate;

        RollCheck(int incomingBytes, long incomingMaxTimestamp, long nowMs) {
            LogSegment active = log.activeSegment();
            int activeBytes = active.sizeInBytes();
            long firstTimestamp = model.batchesFrom(active.baseOffset(), Long.MAX_VALUE).stream()
                    .filter(b -> b.baseOffset() >= active.baseOffset()).findFirst().map(LogModel.Batch::maxTimestamp)
                    .orElse(-1L);
            full = activeBytes > 0 && (long) activeBytes + incomingBytes > config.segmentBytes();
            late = activeBytes > 0 && firstTimestamp >= 0
                    && incomingMaxTimestamp - firstTimestamp > config.maxSegmentMs();
            maybeLate = activeBytes > 0 && firstTimestamp < 0;
        }

        void check(long appendedAt) {
            List<Long> after = log.segmentBaseOffsets();
            var added = new ArrayList<>(after);
            added.removeAll(segmentsBefore);
            LogModel.check(after.containsAll(segmentsBefore), "an append removed segments: " + segmentsBefore + " → "
                    + after);
            boolean rolled = !added.isEmpty();
            LogModel.check(!rolled || added.equals(List.of(appendedAt)), "an append at " + appendedAt + " added "
                    + "segments " + added);
            LogModel.check(rolled || !(full || late), "no roll before the append at " + appendedAt + " (full: "
                    + full + ", segment.ms passed: " + late + ")");
            LogModel.check(!rolled || full || late || maybeLate, "a roll at " + appendedAt + " without reason: the "
                    + "segment was neither full nor older than segment.ms");
        }
    }

    // ---- reads -----------------------------------------------------------------------------------------------

    private void read() {
        long start = model.logStart();
        long end = model.logEnd();
        int where = random.nextInt(10);
        long offset = switch (where) {
            case 0 -> end;
            case 1 -> start - 1 - random.nextInt(3);
            case 2 -> end + 1 + random.nextInt(3);
            default -> start + random.nextLong(end - start + 1);
        };
        int maxBytes = switch (random.nextInt(3)) {
            case 0 -> 1 + random.nextInt(200);
            case 1 -> 1 + random.nextInt(4096);
            default -> 1024 * 1024;
        };
        IsolationLevel isolation = random.nextBoolean() ? IsolationLevel.READ_COMMITTED
                : IsolationLevel.READ_UNCOMMITTED;
        note("read " + isolation + " at " + offset + ", max " + maxBytes + " bytes");
        reads.read(partition, offset, maxBytes, isolation);
    }

    /** Reads the whole log under both isolation levels; a read_committed consumer's table must be the model's. */
    private void checkEverything() {
        checkOffsets();
        scan(IsolationLevel.READ_UNCOMMITTED);
        List<Rec> committed = scan(IsolationLevel.READ_COMMITTED);
        Map<String, String> table = LogModelReads.table(committed);
        check(table.equals(model.committedTable()), "a read_committed consumer builds " + table + ", the model "
                + model.committedTable());
    }

    private List<Rec> scan(IsolationLevel isolation) {
        long bound = isolation == IsolationLevel.READ_COMMITTED ? model.lastStableOffset() : model.logEnd();
        long offset = model.logStart();
        var kept = new ArrayList<Rec>();
        while (offset < bound) {
            LogModelReads.Outcome outcome = reads.read(partition, offset, 1 + random.nextInt(64 * 1024), isolation);
            if (outcome == null || outcome.nextOffset() < 0) {
                break;
            }
            kept.addAll(outcome.kept());
            offset = outcome.nextOffset();
        }
        return kept;
    }

    private void checkOffsets() {
        check(log.logEndOffset() == model.logEnd(), "log end " + log.logEndOffset() + ", expected " + model.logEnd());
        check(log.logStartOffset() == model.logStart(), "log start " + log.logStartOffset() + ", expected "
                + model.logStart());
        check(partition.highWatermark() == model.logEnd(), "high watermark " + partition.highWatermark());
        check(partition.lastStableOffset() == model.lastStableOffset(), "last stable offset "
                + partition.lastStableOffset() + ", expected " + model.lastStableOffset());
        check(log.recoveryPoint() <= model.logEnd(), "recovery point " + log.recoveryPoint() + " past the log end");
    }

    // ---- time, retention, DeleteRecords, compaction ----------------------------------------------------------

    private void advanceClock() {
        int size = random.nextInt(20);
        long ms = size < 14 ? random.nextInt(5000) : size < 19 ? MINUTE_MS + random.nextLong(20 * MINUTE_MS)
                : HOUR_MS + random.nextLong(6 * HOUR_MS);
        note("advance the clock by " + ms + " ms");
        time.set(time.milliseconds() + ms);
    }

    /** A segment's size and age as retention sees it before it runs. */
    private record SegmentAge(long baseOffset, int bytes, long largestTimestamp) {
    }

    /**
     * The age retention.ms measures (Kafka's LogSegment.largestTimestamp): the largest timestamp of the segment's
     * batches as they are on disk, or, when none has one, the log file's last modification.
     */
    private SegmentAge age(LogSegment segment) throws IOException {
        long largest = RecordBatch.NO_TIMESTAMP;
        for (RecordBatch batch : segment.records().batches()) {
            largest = Math.max(largest, batch.maxTimestamp());
        }
        if (largest < 0) {
            largest = Files.getLastModifiedTime(dir.resolve(LogSegment.fileName(segment.baseOffset(), ".log")))
                    .toMillis();
        }
        return new SegmentAge(segment.baseOffset(), segment.sizeInBytes(), largest);
    }

    private List<SegmentAge> ages() throws IOException {
        var ages = new ArrayList<SegmentAge>();
        for (LogSegment segment : log.segmentsBetween(-1, Long.MAX_VALUE)) {
            ages.add(age(segment));
        }
        return ages;
    }

    /**
     * Retention deletes the oldest segments, and only those below the log start, older than retention.ms or beyond
     * retention.bytes, and leaves none of them behind; the log start follows.
     */
    private void retention() throws IOException {
        long now = time.milliseconds();
        note("apply retention at " + now);
        List<SegmentAge> before = ages();
        long startBefore = log.logStartOffset();
        int deleted = log.applyRetention(now);
        if (random.nextBoolean()) {
            partition.expireProducers(now, Long.MAX_VALUE);
        }
        List<Long> after = log.segmentBaseOffsets();
        int gone = 0;
        while (gone < before.size() && !after.contains(before.get(gone).baseOffset())) {
            gone++;
        }
        for (int i = gone; i < before.size(); i++) {
            check(after.contains(before.get(i).baseOffset()), "retention deleted segment "
                    + before.get(i).baseOffset() + " but not the older " + before.get(gone).baseOffset());
        }
        check(gone == deleted, "retention reported " + deleted + " deleted segments, " + gone + " went");
        long size = before.stream().mapToLong(SegmentAge::bytes).sum();
        boolean forBytes = false;
        for (int i = 0; i < gone; i++) {
            SegmentAge segment = before.get(i);
            long next = i + 1 < before.size() ? before.get(i + 1).baseOffset() : model.logEnd();
            boolean belowStart = next <= startBefore;
            boolean expired = expired(segment, now);
            forBytes |= !belowStart && !expired;
            check(belowStart || expired || tooBig(segment, size), "retention deleted segment "
                    + segment + " (of " + before + ") at " + now + ": it was below neither the log start "
                    + startBefore + " nor retention.ms " + config.retentionMs() + " nor retention.bytes "
                    + config.retentionBytes() + " (log size " + size + ")");
            size -= segment.bytes();
        }
        // What is left: nothing retention.bytes would delete, and, unless retention.bytes deleted newer segments
        // first (their records can be older than the next one's), nothing retention.ms would.
        List<SegmentAge> left = ages();
        SegmentAge oldest = left.get(0);
        boolean onlyActive = left.size() == 1;
        check(onlyActive ? oldest.bytes() == 0 || !expired(oldest, now)
                        : (forBytes || !expired(oldest, now))
                        && !tooBig(oldest, left.stream().mapToLong(SegmentAge::bytes).sum()),
                "retention left segment " + oldest + " (of " + left + ") at " + now);
        check(log.logStartOffset() == Math.max(startBefore, after.get(0)), "log start " + log.logStartOffset()
                + " after retention, segments " + after);
        model.advanceLogStart(log.logStartOffset());
    }

    private boolean expired(SegmentAge segment, long now) {
        return config.delete() && config.retentionMs() >= 0 && now - segment.largestTimestamp() > config.retentionMs();
    }

    private boolean tooBig(SegmentAge segment, long logBytes) {
        return config.delete() && config.retentionBytes() >= 0 && logBytes - segment.bytes() >= config.retentionBytes();
    }

    private void deleteRecords() {
        long hw = model.logEnd();
        int kind = random.nextInt(10);
        long target = kind == 0 ? -1 : kind == 1 ? hw + 1 + random.nextInt(3)
                : model.logStart() + random.nextLong(hw - model.logStart() + 1);
        note("delete records before " + target);
        if (!config.delete()) {
            try {
                partition.deleteRecordsBefore(target);
                throw new AssertionError("DeleteRecords on a compacted-only log was accepted");
            } catch (PolicyViolationException | OffsetOutOfRangeException expected) {
                return;
            }
        }
        if (target > hw) {
            try {
                partition.deleteRecordsBefore(target);
                throw new AssertionError("DeleteRecords above the high watermark was accepted");
            } catch (OffsetOutOfRangeException expected) {
                return;
            }
        }
        long logStart = partition.deleteRecordsBefore(target);
        long expected = Math.max(model.logStart(), target == -1 ? hw : target);
        check(logStart == expected, "DeleteRecords moved the log start to " + logStart + ", expected " + expected);
        model.advanceLogStart(logStart);
    }

    private void clean() {
        if (policy == Policy.DELETE) {
            return;
        }
        note("compact");
        reads.cleanerMayReach(Math.min(log.activeSegment().baseOffset(), log.highWatermark()));
        for (int pass = 0; pass < 3 && cleaner.cleanOnce(); pass++) {
            reads.cleanerMayReach(Math.min(log.activeSegment().baseOffset(), log.highWatermark()));
        }
    }

    // ---- crashes and restarts --------------------------------------------------------------------------------

    private void open(long recoveryPoint, long logStart) {
        var producerState = new ProducerStateTable();
        log = PartitionLog.open(PARTITION, dir, config, recoveryPoint, logStart,
                (task, delayMs) -> pending.add(new Task(task, delayMs)), time.milliseconds(), producerState::update,
                new SplittableRandom(random.nextLong()));
        partition = TestPartitions.ledHere(log, producerState);
    }

    private void runPending(Predicate<Task> which) {
        var tasks = new ArrayList<>(pending);
        pending.clear();
        for (Task task : tasks) {
            if (which.test(task)) {
                task.work().run();
            }
        }
    }

    /**
     * The process dies: nothing is flushed or closed, pending flushes of rolled segments are lost (deletions of old
     * segments complete: the next start would finish them). Then the power fails too, maybe: the active segment
     * loses a random part of its unflushed tail, or gets garbage after it, or a stale copy of an earlier batch. After reopening from the recovery point,
     * everything flushed is there, the log ends after its last intact batch, and the producers start over (new
     * producer ids); transactions whose markers are gone are ended by their coordinator, as it decided or with an
     * abort.
     */
    private void crash() throws IOException {
        long recoveryPoint = log.recoveryPoint();
        long logStart = log.logStartOffset();
        long end = log.logEndOffset();
        LogSegment active = log.activeSegment();
        long keep = Math.max(recoveryPoint, logStart);
        if (!model.isBatchBoundary(keep)) {
            keep = model.batchesFrom(keep, Long.MAX_VALUE).get(0).lastOffset() + 1;
        }
        int size = active.sizeInBytes();
        int flushedBytes = keep <= active.baseOffset() ? 0 : positionOf(active, keep, end);
        int cut = 0;
        int garbage = 0;
        boolean staleBatch = false;
        switch (random.nextInt(5)) {
            case 1 -> cut = random.nextInt(size - flushedBytes + 1);
            case 2 -> {
                cut = random.nextInt(size - flushedBytes + 1);
                garbage = 1 + random.nextInt(100);
            }
            case 3 -> garbage = 1 + random.nextInt(100);
            case 4 -> {
                cut = random.nextInt(size - flushedBytes + 1);
                staleBatch = size > 0;
            }
            default -> { }
        }
        // Stale bytes after the tail: a copy of the segment's first batch, intact (its CRC holds) but out of order.
        ByteBuffer stale = ByteBuffer.allocate(0);
        if (staleBatch) {
            stale = ByteBuffer.allocate(active.records().batches().iterator().next().sizeInBytes());
            active.records().readInto(stale, 0);
            garbage = stale.limit();
        }
        note("crash (recovery point " + recoveryPoint + ", log end " + end + "), cutting " + cut + " of the "
                + (size - flushedBytes) + " unflushed bytes of segment " + active.baseOffset() + " and adding "
                + garbage + (staleBatch ? " bytes of a stale copy of its first batch" : " bytes of garbage"));
        runPending(task -> task.delayMs() > 0);
        for (LogSegment segment : log.segmentsBetween(-1, Long.MAX_VALUE)) {
            segment.closeHandlers();
        }
        try (FileChannel file = FileChannel.open(dir.resolve(LogSegment.fileName(active.baseOffset(), ".log")),
                StandardOpenOption.WRITE)) {
            file.truncate(size - cut);
            if (staleBatch) {
                file.write(stale.rewind(), size - cut);
            } else if (garbage > 0) {
                byte[] bytes = new byte[garbage];
                if (random.nextBoolean()) {
                    random.nextBytes(bytes);
                }
                file.write(ByteBuffer.wrap(bytes), size - cut);
            }
        }
        open(recoveryPoint, logStart);

        long newEnd = log.logEndOffset();
        check(newEnd >= keep && newEnd <= end, "after the crash the log ends at " + newEnd + ", flushed up to "
                + keep + ", written up to " + end);
        check(cut > 0 || newEnd == end, "after a crash that lost nothing the log ends at " + newEnd + ", not " + end);
        check(log.logStartOffset() == logStart, "after the crash the log starts at " + log.logStartOffset()
                + ", not " + logStart);
        model.reopened(newEnd, log.logStartOffset(), log.segmentBaseOffsets().get(0));
        List<Txn> unfinished = model.unfinishedTxns();
        // Where a transaction whose marker was lost begins again is its first batch left, which on a compacted log
        // the model cannot know (an aborted transaction's batches may have been cleaned away): its last stable
        // offset is checked once the markers are back.
        if (policy == Policy.DELETE || unfinished.isEmpty()) {
            scan(IsolationLevel.READ_UNCOMMITTED);
        }
        for (Txn txn : unfinished) {
            boolean commit = txn.decided == null ? random.nextBoolean() : txn.decided == ControlRecordType.COMMIT;
            note("the coordinator " + (commit ? "commits" : "aborts") + " the transaction of producer "
                    + txn.producerId + " after the crash");
            writeMarker(txn, commit);
        }
        producers.replaceAll(producer -> producer.kind == Kind.PLAIN ? producer : newProducer(producer.kind));
        checkEverything();
    }

    private static int positionOf(LogSegment segment, long offset, long end) {
        if (offset >= end) {
            return segment.sizeInBytes();
        }
        var position = segment.translateOffset(offset);
        return position == null ? segment.sizeInBytes() : position.position;
    }

    /** A clean shutdown and start: everything is there, producers go on where they were. */
    private void restart() {
        note("restart cleanly");
        long logStart = log.logStartOffset();
        long end = log.logEndOffset();
        runPending(task -> true);
        log.close();
        open(Long.MAX_VALUE, logStart);
        check(log.logEndOffset() == end && log.logStartOffset() == logStart, "after a clean restart the log is ["
                + log.logStartOffset() + ", " + log.logEndOffset() + "], not [" + logStart + ", " + end + "]");
        model.reopened(end, logStart, log.segmentBaseOffsets().get(0));
        // The producer state is rebuilt from the log: retries of batches it no longer holds are not recognised.
        producers.forEach(producer -> producer.recent.clear());
        checkEverything();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private void note(String operation) {
        recentOperations.addLast("#" + this.operation + " " + operation);
        if (recentOperations.size() > RECENT_OPERATIONS) {
            recentOperations.removeFirst();
        }
    }

    private long pick(long... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private double pick(double... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(ByteBuffer buffer) {
        return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}
