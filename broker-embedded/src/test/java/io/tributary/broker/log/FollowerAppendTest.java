package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.offsets;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.log.LeaderEpochCache.EpochEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower's log: {@link PartitionLog#appendAsFollower} copies its leader's batches byte for byte (checked against a
 * leader log fed the same producer batches), refuses what does not fit without changing anything, and the truncations
 * a follower needs ({@link PartitionLog#truncateTo}, {@link PartitionLog#truncateFullyAndStartAt}) leave a log that
 * reopens, after a crash, as the same log.
 */
class FollowerAppendTest {
    private static final long T = 1_700_000_000_000L;
    /** Every one-record test batch has this size. */
    private static final int BATCH = batch(0, T, 1).sizeInBytes();
    private static final Map<String, String> THREE_BATCH_SEGMENTS =
            Map.of(LogConfig.SEGMENT_BYTES, String.valueOf(3 * BATCH));
    private static final LogSegment.WriteInterceptor NO_FAULT = (file, channel, bytes) -> { };

    @TempDir
    Path leaderDir;
    @TempDir
    Path followerDir;

    private final ManualTime time = new ManualTime(T);
    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        LogSegment.beforeWrite = NO_FAULT;
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path dir, Map<String, String> overrides) {
        return open(dir, overrides, 0, 0);
    }

    /** Recovery point 0 (unless given): a reopen scans every segment, as after a crash. */
    private PartitionLog open(Path dir, Map<String, String> overrides, long recoveryPoint, long logStart) {
        PartitionLog log = PartitionLog.open(TestBatches.PARTITION, dir, TestBatches.config(overrides), recoveryPoint,
                logStart, (task, delayMs) -> task.run(), time.milliseconds(), batch -> { }, new SplittableRandom(7),
                new LogDirFailures(), time);
        opened.add(log);
        return log;
    }

    /** Closes {@code log} and opens its directory again, scanning every segment, with the log start it had. */
    private PartitionLog reopen(PartitionLog log, Path dir, Map<String, String> overrides) {
        long logStart = log.logStartOffset();
        log.close();
        opened.remove(log);
        return open(dir, overrides, 0, logStart);
    }

    private static void appendAsLeader(PartitionLog log, MemoryRecords records, int leaderEpoch, long nowMs) {
        log.appendAsLeader(records, RecordBatchValidator.validate(records, log.config(), nowMs), leaderEpoch, nowMs);
    }

    /** A transaction marker, appended as a partition leader appends one (not validated as a client's batch). */
    private static void appendMarker(PartitionLog log, long producerId, ControlRecordType type, int leaderEpoch) {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(0L, T, leaderEpoch, producerId, (short) 0,
                new EndTransactionMarker(type, 0));
        log.appendAsLeader(marker, new RecordBatchValidator.Summary(1, 1, T, marker.sizeInBytes()), leaderEpoch, T);
    }

    private static MemoryRecords idempotent(long producerId, int baseSequence, String... values) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, baseSequence,
                simple(values));
    }

    private static MemoryRecords transactional(long producerId, int baseSequence, String... values) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, baseSequence,
                simple(values));
    }

    private static SimpleRecord[] simple(String... values) {
        var records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(T + i, TestBatches.bytes("k" + values[i]), TestBatches.bytes(values[i]));
        }
        return records;
    }

    /** The bytes of every batch in [from, log end), copied out of the segment files. */
    private static ByteBuffer bytes(PartitionLog log, long from) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        long offset = from;
        while (offset < log.logEndOffset()) {
            Records slice = log.read(offset, Integer.MAX_VALUE, log.logEndMetadata(), true);
            ByteBuffer chunk = ByteBuffer.allocate(slice.sizeInBytes());
            if (slice instanceof FileRecords file) {
                file.readInto(chunk, 0);
            }
            out.write(chunk.array(), 0, chunk.limit());
            long next = offset;
            for (RecordBatch batch : MemoryRecords.readableRecords(chunk.duplicate()).batches()) {
                next = batch.nextOffset();
            }
            if (next <= offset) {
                // Nothing from offset to the end of its segment (a gap): go on at the next segment.
                long gapStart = offset;
                next = log.segmentBaseOffsets().stream().filter(base -> base > gapStart).findFirst()
                        .orElse(log.logEndOffset());
            }
            offset = next;
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    /**
     * Copies {@code leader} into {@code follower} as a fetcher does: fetches of at most {@code maxBytes} from the
     * follower's log end (a cut-off last batch included, as a leader's read returns it), each appended as it came.
     */
    private static void replicate(PartitionLog leader, PartitionLog follower, int maxBytes) throws IOException {
        while (follower.logEndOffset() < leader.logEndOffset()) {
            Records fetched = leader.read(follower.logEndOffset(), maxBytes, leader.logEndMetadata(), true);
            ByteBuffer buffer = ByteBuffer.allocate(fetched.sizeInBytes());
            ((FileRecords) fetched).readInto(buffer, 0);
            long before = follower.logEndOffset();
            follower.appendAsFollower(MemoryRecords.readableRecords(buffer));
            assertThat(follower.logEndOffset()).as("a fetch moves the follower on").isGreaterThan(before);
        }
    }

    private static List<Long> lastOffsetsOfBatches(ByteBuffer bytes) {
        var lastOffsets = new ArrayList<Long>();
        for (RecordBatch batch : MemoryRecords.readableRecords(bytes.duplicate()).batches()) {
            lastOffsets.add(batch.lastOffset());
        }
        return lastOffsets;
    }

    /** A leader with three epochs, idempotent, transactional (committed and aborted), compressed and plain batches. */
    private PartitionLog leaderWithHistory(Map<String, String> overrides) {
        PartitionLog leader = open(leaderDir, overrides);
        appendAsLeader(leader, batch(0, T, 1), 0, T);
        appendAsLeader(leader, idempotent(7, 0, "a", "b"), 0, T);
        appendAsLeader(leader, idempotent(7, 2, "c"), 0, T);
        appendAsLeader(leader, transactional(8, 0, "t1", "t2"), 2, T + 1);
        appendMarker(leader, 8, ControlRecordType.COMMIT, 2);
        appendAsLeader(leader, MemoryRecords.withRecords(Compression.gzip().build(), simple("z1", "z2", "z3")), 2,
                T + 2);
        appendAsLeader(leader, transactional(9, 0, "u1"), 5, T + 3);
        appendMarker(leader, 9, ControlRecordType.ABORT, 5);
        appendAsLeader(leader, batch(0, T + 4, 1), 5, T + 4);
        return leader;
    }

    @Test
    void followerKeepsTheLeadersBatchesByteForByte() throws IOException {
        PartitionLog leader = leaderWithHistory(Map.of());
        PartitionLog follower = open(followerDir, Map.of());

        // Fetches of 100 bytes: most end inside a batch, which the follower leaves for the next fetch.
        replicate(leader, follower, 100);

        assertThat(follower.logEndOffset()).isEqualTo(leader.logEndOffset()).isEqualTo(13);
        assertThat(bytes(follower, 0)).isEqualTo(bytes(leader, 0));
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(2, 4),
                new EpochEntry(5, 10));
        assertThat(follower.epochs().entries()).isEqualTo(leader.epochs().entries());
        List<MutableRecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(bytes(follower, 0)).batches().forEach(batches::add);
        assertThat(batches).extracting(RecordBatch::producerId)
                .containsExactly(-1L, 7L, 7L, 8L, 8L, -1L, 9L, 9L, -1L);
        assertThat(batches).extracting(RecordBatch::baseSequence).containsExactly(-1, 0, 2, 0, -1, -1, 0, -1, -1);
        assertThat(batches).extracting(RecordBatch::isTransactional)
                .containsExactly(false, false, false, true, true, false, true, true, false);
        assertThat(batches).extracting(RecordBatch::isControlBatch)
                .containsExactly(false, false, false, false, true, false, false, true, false);
        assertThat(batches).extracting(RecordBatch::maxTimestamp)
                .containsExactly(T, T + 1, T, T + 1, T, T + 2, T, T, T + 4);
    }

    @Test
    void followerRollsWhereItsLeaderRolled() throws IOException {
        Map<String, String> config = Map.of(LogConfig.SEGMENT_BYTES, String.valueOf(3 * BATCH),
                LogConfig.SEGMENT_MS, "60000");
        PartitionLog leader = open(leaderDir, config);
        for (int i = 0; i < 10; i++) {
            appendAsLeader(leader, batch(0, T, 1), 0, T);
        }
        // Timestamps two minutes on: the next batch rolls by segment.ms, in the leader as in the follower.
        appendAsLeader(leader, batch(0, T + 120_000, 1), 1, T + 120_000);
        appendAsLeader(leader, batch(0, T + 120_000, 1), 1, T + 120_000);
        PartitionLog follower = open(followerDir, config);

        // One fetch with every batch: the follower rolls batch by batch, as its leader did append by append.
        follower.appendAsFollower(MemoryRecords.readableRecords(bytes(leader, 0)));

        assertThat(leader.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L, 10L);
        assertThat(follower.segmentBaseOffsets()).isEqualTo(leader.segmentBaseOffsets());
        assertThat(bytes(follower, 0)).isEqualTo(bytes(leader, 0));
        assertThat(values(follower.read(6, Integer.MAX_VALUE, follower.logEndMetadata(), true)))
                .containsExactly("v0000", "v0000", "v0000");
        assertThat(follower.offsetForTimestamp(T + 120_000, 12).offset).isEqualTo(10);
    }

    @Test
    void followerLogReopensAsTheSameLogAfterACrash() throws IOException {
        PartitionLog leader = leaderWithHistory(THREE_BATCH_SEGMENTS);
        PartitionLog follower = open(followerDir, THREE_BATCH_SEGMENTS);
        replicate(leader, follower, 250);
        ByteBuffer before = bytes(follower, 0);

        PartitionLog reopened = reopen(follower, followerDir, THREE_BATCH_SEGMENTS);

        assertThat(reopened.logEndOffset()).isEqualTo(13);
        assertThat(bytes(reopened, 0)).isEqualTo(before);
        assertThat(reopened.segmentBaseOffsets()).isEqualTo(leader.segmentBaseOffsets());
        assertThat(reopened.epochs().entries()).isEqualTo(leader.epochs().entries());
    }

    @Test
    void aBatchStartingBelowTheLogEndIsRefusedAndNothingChanges() throws IOException {
        PartitionLog follower = open(followerDir, Map.of());
        follower.appendAsFollower(leaderBatches(0, 0, 3));
        ByteBuffer before = bytes(follower, 0);

        // Offsets 2 and 3: an overlap with what the follower has.
        assertThatThrownBy(() -> follower.appendAsFollower(leaderBatches(2, 0, 2)))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("below the log end 3");

        assertThat(follower.logEndOffset()).isEqualTo(3);
        assertThat(bytes(follower, 0)).isEqualTo(before);
        assertThat(follower.isOffline()).isFalse();
    }

    @Test
    void offsetsGoingBackwardsInsideTheResponseAreRefusedAndNothingIsAppended() throws IOException {
        PartitionLog follower = open(followerDir, Map.of());
        MemoryRecords backwards = concat(leaderBatches(0, 0, 2), leaderBatches(1, 0, 1));

        assertThatThrownBy(() -> follower.appendAsFollower(backwards))
                .isInstanceOf(InvalidRecordException.class).hasMessageContaining("Out of order offsets");

        assertThat(follower.logEndOffset()).isZero();
        assertThat(follower.sizeInBytes()).isZero();
        assertThat(follower.epochs().entries()).isEmpty();
    }

    @Test
    void aCorruptBatchRefusesTheWholeResponse() throws IOException {
        PartitionLog follower = open(followerDir, Map.of());
        MemoryRecords three = leaderBatches(0, 4, 3);
        // A flipped byte in the last record of the second batch: its CRC no longer matches.
        ByteBuffer corrupt = three.buffer().duplicate();
        int flipAt = 2 * BATCH - 1;
        corrupt.put(flipAt, (byte) (corrupt.get(flipAt) ^ 0x55));

        assertThatThrownBy(() -> follower.appendAsFollower(MemoryRecords.readableRecords(corrupt)))
                .isInstanceOf(CorruptRecordException.class);

        assertThat(follower.logEndOffset()).isZero();
        assertThat(follower.sizeInBytes()).isZero();
        assertThat(follower.epochs().entries()).isEmpty();
    }

    @Test
    void gapsOfACompactedLeaderAreKept() throws IOException {
        PartitionLog follower = open(followerDir, Map.of());
        // The batches a compacted leader has left of offsets 0..9: 0, 1, 5 and 8.
        follower.appendAsFollower(concat(leaderBatches(0, 0, 2), leaderBatches(5, 0, 1), leaderBatches(8, 1, 1)));

        assertThat(follower.logEndOffset()).isEqualTo(9);
        assertThat(offsets(follower.read(2, Integer.MAX_VALUE, follower.logEndMetadata(), true)))
                .containsExactly(5L, 8L);
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(1, 8));
        // The next fetch may start past a gap too.
        follower.appendAsFollower(leaderBatches(12, 1, 1));
        assertThat(follower.logEndOffset()).isEqualTo(13);
    }

    @Test
    void aResponseWithoutAWholeBatchAppendsNothing() {
        PartitionLog follower = open(followerDir, Map.of());
        ByteBuffer cut = leaderBatches(0, 0, 1).buffer().duplicate();
        cut.limit(BATCH - 10);

        LogAppendInfo info = follower.appendAsFollower(MemoryRecords.readableRecords(cut.slice()));

        assertThat(info.firstOffset()).isEqualTo(-1);
        assertThat(follower.logEndOffset()).isZero();
        assertThat(follower.sizeInBytes()).isZero();
    }

    @Test
    void anIoErrorInTheSecondSegmentOfAnAppendUndoesTheFirstAndTakesTheDirectoryOffline() throws IOException {
        PartitionLog follower = open(followerDir, THREE_BATCH_SEGMENTS);
        follower.appendAsFollower(leaderBatches(0, 0, 2));
        ByteBuffer before = bytes(follower, 0);
        // Writes to the segment rolled at offset 3 fail half-way: the batch at 2 already went to segment 0.
        LogSegment.beforeWrite = (file, channel, bytes) -> {
            if (file.getFileName().toString().equals(LogSegment.fileName(3, ".log"))) {
                AppendIoErrorTest.HALF_THEN_DISK_FULL.beforeWrite(file, channel, bytes);
            }
        };

        assertThatThrownBy(() -> follower.appendAsFollower(leaderBatches(2, 0, 3)))
                .isInstanceOf(KafkaStorageException.class);

        assertThat(follower.logEndOffset()).isEqualTo(2);
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L);
        assertThat(Files.size(followerDir.resolve(LogSegment.fileName(0, ".log")))).isEqualTo(2L * BATCH);
        assertThat(followerDir.resolve(LogSegment.fileName(3, ".log"))).doesNotExist();
        assertThat(follower.isOffline()).isTrue();
        assertThatThrownBy(() -> follower.appendAsFollower(leaderBatches(2, 0, 1)))
                .isInstanceOf(KafkaStorageException.class);
        LogSegment.beforeWrite = NO_FAULT;
        PartitionLog reopened = reopen(follower, followerDir, THREE_BATCH_SEGMENTS);
        assertThat(bytes(reopened, 0)).isEqualTo(before);
    }

    @Test
    void truncateToMidSegmentCutsTheSegmentAndTheEpochs() throws IOException {
        PartitionLog follower = followerOfTenBatches();

        follower.truncateTo(7);

        assertThat(follower.logEndOffset()).isEqualTo(7);
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L, 3L, 6L);
        assertThat(offsets(follower.read(6, Integer.MAX_VALUE, follower.logEndMetadata(), true))).containsExactly(6L);
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(1, 4));
        assertReopensTheSame(follower, 0);
        assertAppendsContinueAt(7);
    }

    @Test
    void truncateToASegmentBoundaryKeepsThatSegmentEmptyAsTheActiveOne() throws IOException {
        PartitionLog follower = followerOfTenBatches();

        follower.truncateTo(6);

        assertThat(follower.logEndOffset()).isEqualTo(6);
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L, 3L, 6L);
        assertThat(follower.logEndMetadata()).isEqualTo(new LogOffsetMetadata(6, 6, 0));
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(1, 4));
        assertThat(followerDir.resolve(LogSegment.fileName(9, ".log"))).doesNotExist();
        assertReopensTheSame(follower, 0);
        assertAppendsContinueAt(6);
    }

    @Test
    void truncateBelowSeveralSegmentsRemovesThemAll() throws IOException {
        PartitionLog follower = followerOfTenBatches();

        follower.truncateTo(2);

        assertThat(follower.logEndOffset()).isEqualTo(2);
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L);
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0));
        assertThat(follower.recoveryPoint()).isLessThanOrEqualTo(2);
        try (Stream<Path> files = Files.list(followerDir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log")))
                    .containsExactly(LogSegment.fileName(0, ".log"));
        }
        assertReopensTheSame(follower, 0);
        assertAppendsContinueAt(2);
    }

    @Test
    void truncateToTheLogStartLeavesAnEmptyLogThere() throws IOException {
        PartitionLog follower = followerOfTenBatches();
        follower.advanceLogStartOffset(4);
        assertThat(follower.segmentBaseOffsets()).containsExactly(3L, 6L, 9L);

        follower.truncateTo(4);

        assertThat(follower.logStartOffset()).isEqualTo(4);
        assertThat(follower.logEndOffset()).isEqualTo(4);
        assertThat(follower.segmentBaseOffsets()).containsExactly(3L);
        // Epoch 1 started at 4, where the log now ends: no epoch is left.
        assertThat(follower.epochs().entries()).isEmpty();
        assertReopensTheSame(follower, 4);
        assertAppendsContinueAt(4);
    }

    @Test
    void truncateBelowTheFirstSegmentStartsTheLogOverThere() throws IOException {
        PartitionLog follower = followerOfTenBatches();
        follower.advanceLogStartOffset(7);
        assertThat(follower.segmentBaseOffsets()).containsExactly(6L, 9L);

        follower.truncateTo(5);

        assertThat(follower.logStartOffset()).isEqualTo(5);
        assertThat(follower.logEndOffset()).isEqualTo(5);
        assertThat(follower.segmentBaseOffsets()).containsExactly(5L);
        assertThat(follower.epochs().entries()).isEmpty();
        assertReopensTheSame(follower, 5);
        assertAppendsContinueAt(5);
    }

    @Test
    void truncateInsideABatchRemovesThatBatchWhole() throws IOException {
        PartitionLog follower = open(followerDir, Map.of());
        follower.appendAsFollower(concat(leaderBatches(0, 0, 1), batchOf(1, 5, 0), leaderBatches(6, 1, 1)));

        follower.truncateTo(3);

        // Offsets 1..5 are one batch: the log ends after offset 0, where the leader's batch 1..5 can follow.
        assertThat(follower.logEndOffset()).isEqualTo(1);
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0));
        follower.appendAsFollower(concat(batchOf(1, 5, 0), leaderBatches(6, 2, 1)));
        assertThat(offsets(follower.read(0, Integer.MAX_VALUE, follower.logEndMetadata(), true)))
                .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(2, 6));
    }

    @Test
    void truncateAtOrPastTheLogEndRemovesNothing() throws IOException {
        PartitionLog follower = followerOfTenBatches();
        ByteBuffer before = bytes(follower, 0);

        follower.truncateTo(10);
        follower.truncateTo(50);

        assertThat(follower.logEndOffset()).isEqualTo(10);
        assertThat(bytes(follower, 0)).isEqualTo(before);
        assertThat(follower.epochs().entries()).containsExactly(new EpochEntry(0, 0), new EpochEntry(1, 4),
                new EpochEntry(2, 8));
    }

    @Test
    void truncateFullyAndStartAtLeavesAnEmptyLogAtTheNewOffset() throws IOException {
        PartitionLog follower = followerOfTenBatches();

        follower.truncateFullyAndStartAt(25);

        assertThat(follower.logStartOffset()).isEqualTo(25);
        assertThat(follower.logEndOffset()).isEqualTo(25);
        assertThat(follower.recoveryPoint()).isEqualTo(25);
        assertThat(follower.segmentBaseOffsets()).containsExactly(25L);
        assertThat(follower.epochs().entries()).isEmpty();
        assertThat(Files.readAllLines(followerDir.resolve(PartitionLog.EPOCH_CHECKPOINT))).containsExactly("0", "0");
        try (Stream<Path> files = Files.list(followerDir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log")))
                    .containsExactly(LogSegment.fileName(25, ".log"));
        }
        assertReopensTheSame(follower, 25);
        // A log start checkpointed before the truncation does not bring the old start back.
        PartitionLog reopened = reopenWithLogStart(0);
        assertThat(reopened.logStartOffset()).isEqualTo(25);
        assertThat(reopened.logEndOffset()).isEqualTo(25);
        reopened.appendAsFollower(leaderBatches(25, 4, 2));
        assertThat(reopened.epochs().entries()).containsExactly(new EpochEntry(4, 25));
        assertThat(offsets(reopened.read(25, Integer.MAX_VALUE, reopened.logEndMetadata(), true)))
                .containsExactly(25L, 26L);
    }

    @Test
    void truncateFullyAndStartAtTheOldBaseOffsetReplacesTheSegment() throws IOException {
        PartitionLog follower = open(followerDir, Map.of());
        follower.appendAsFollower(leaderBatches(0, 3, 4));

        follower.truncateFullyAndStartAt(0);

        assertThat(follower.logEndOffset()).isZero();
        assertThat(follower.sizeInBytes()).isZero();
        assertThat(follower.epochs().entries()).isEmpty();
        follower.appendAsFollower(leaderBatches(0, 4, 1));
        assertThat(values(follower.read(0, Integer.MAX_VALUE, follower.logEndMetadata(), true)))
                .containsExactly("v0000");
    }

    @Test
    void aSegmentLeftEmptyByATruncationWaitsForSegmentMsFromTheTruncation() {
        Map<String, String> config = Map.of(LogConfig.SEGMENT_MS, "60000");
        PartitionLog follower = open(followerDir, config);
        follower.appendAsFollower(noTimestampBatches(0, 2));

        time.set(T + 50_000);
        follower.truncateTo(0);
        time.set(T + 70_000);
        follower.appendAsFollower(noTimestampBatches(0, 1));
        follower.appendAsFollower(noTimestampBatches(1, 1));

        // Created at T, but emptied at T + 50 s: 20 s later it has not waited segment.ms yet.
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L);
        time.set(T + 111_000);
        follower.appendAsFollower(noTimestampBatches(2, 1));
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L, 2L);
    }

    /** Ten one-record batches in segments of three (0, 3, 6, 9), epochs 0 from 0, 1 from 4, 2 from 8. */
    private PartitionLog followerOfTenBatches() {
        PartitionLog follower = open(followerDir, THREE_BATCH_SEGMENTS);
        follower.appendAsFollower(concat(leaderBatches(0, 0, 4), leaderBatches(4, 1, 4), leaderBatches(8, 2, 2)));
        assertThat(follower.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L);
        return follower;
    }

    private PartitionLog current;

    private void assertReopensTheSame(PartitionLog follower, long logStart) throws IOException {
        ByteBuffer before = bytes(follower, logStart);
        List<Long> segmentsBefore = follower.segmentBaseOffsets();
        List<EpochEntry> epochsBefore = follower.epochs().entries();
        long end = follower.logEndOffset();

        current = reopen(follower, followerDir, THREE_BATCH_SEGMENTS);

        assertThat(current.logStartOffset()).isEqualTo(logStart);
        assertThat(current.logEndOffset()).isEqualTo(end);
        assertThat(current.segmentBaseOffsets()).isEqualTo(segmentsBefore);
        assertThat(current.epochs().entries()).isEqualTo(epochsBefore);
        assertThat(bytes(current, logStart)).isEqualTo(before);
        assertThat(lastOffsetsOfBatches(bytes(current, logStart))).allMatch(offset -> offset < end);
    }

    private PartitionLog reopenWithLogStart(long checkpointedLogStart) {
        current.close();
        opened.remove(current);
        current = open(followerDir, THREE_BATCH_SEGMENTS, 0, checkpointedLogStart);
        return current;
    }

    /** The reopened log takes the leader's next batches from where the truncation left it. */
    private void assertAppendsContinueAt(long offset) throws IOException {
        current.appendAsFollower(leaderBatches(offset, 9, 2));
        assertThat(current.logEndOffset()).isEqualTo(offset + 2);
        assertThat(offsets(MemoryRecords.readableRecords(bytes(current, offset)))).containsExactly(offset, offset + 1);
        assertThat(current.epochs().latestEpoch()).isEqualTo(9);
    }

    /** {@code count} one-record batches from {@code baseOffset}, as a leader at {@code epoch} wrote them. */
    private static MemoryRecords leaderBatches(long baseOffset, int epoch, int count) {
        var parts = new MemoryRecords[count];
        for (int i = 0; i < count; i++) {
            MemoryRecords one = batch(baseOffset + i, T, 1);
            one.batches().iterator().next().setPartitionLeaderEpoch(epoch);
            parts[i] = one;
        }
        return concat(parts);
    }

    /** One batch of {@code count} records from {@code baseOffset} at {@code epoch}. */
    private static MemoryRecords batchOf(long baseOffset, int count, int epoch) {
        MemoryRecords records = batch(baseOffset, T, count);
        records.batches().iterator().next().setPartitionLeaderEpoch(epoch);
        return records;
    }

    private static MemoryRecords noTimestampBatches(long baseOffset, int count) {
        var parts = new MemoryRecords[count];
        for (int i = 0; i < count; i++) {
            parts[i] = MemoryRecords.withRecords(baseOffset + i, Compression.NONE,
                    new SimpleRecord(RecordBatch.NO_TIMESTAMP, TestBatches.bytes("k"), TestBatches.bytes("v")));
        }
        return concat(parts);
    }

    private static MemoryRecords concat(MemoryRecords... parts) {
        int size = 0;
        for (MemoryRecords part : parts) {
            size += part.sizeInBytes();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (MemoryRecords part : parts) {
            all.put(part.buffer().duplicate());
        }
        return MemoryRecords.readableRecords(all.flip());
    }
}
