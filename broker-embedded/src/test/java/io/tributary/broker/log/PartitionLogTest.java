package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.append;
import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.batchWithTimestamps;
import static io.tributary.broker.log.TestBatches.offsets;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.random.RandomGenerator;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
    private static final long T = 1_700_000_000_000L;
    /** Every one-record test batch has this size. */
    private static final int BATCH = batch(0, T, 1).sizeInBytes();
    private static final String THREE_BATCHES = String.valueOf(3 * BATCH);

    @TempDir
    Path dir;

    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Map<String, String> overrides, long recoveryPoint, long nowMs) {
        PartitionLog log = TestBatches.open(dir, TestBatches.config(overrides), recoveryPoint, 0, nowMs);
        opened.add(log);
        return log;
    }

    private PartitionLog open(Map<String, String> overrides) {
        return open(overrides, 0, T);
    }

    /** Appends {@code count} one-record batches at {@code timestamp}, each valued after the offset it gets. */
    private static void appendOneRecordBatches(PartitionLog log, int count, long timestamp, long nowMs) {
        for (int i = 0; i < count; i++) {
            append(log, batch(log.logEndOffset(), timestamp, 1), nowMs);
        }
    }

    private static Records readAll(PartitionLog log, long offset) {
        return log.read(offset, Integer.MAX_VALUE, log.logEndMetadata(), true);
    }

    @Test
    void appendsAssignOffsetsFromTheLogEnd() {
        PartitionLog log = open(Map.of());

        LogAppendInfo first = append(log, batch(0, T, 3), T);
        LogAppendInfo second = append(log, batch(0, T, 2), T);

        assertThat(first.firstOffset()).isZero();
        assertThat(first.lastOffset()).isEqualTo(2);
        assertThat(second.firstOffset()).isEqualTo(3);
        assertThat(second.lastOffset()).isEqualTo(4);
        assertThat(log.logEndOffset()).isEqualTo(5);
        assertThat(offsets(readAll(log, 0))).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void rollsWhenTheNextBatchWouldExceedSegmentBytes() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));

        appendOneRecordBatches(log, 10, T, T);

        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L);
        assertThat(log.sizeInBytes()).isEqualTo(10L * BATCH);
        assertThat(Files.exists(dir.resolve(LogSegment.fileName(6, ".log")))).isTrue();
    }

    @Test
    void readsStopAtSegmentBoundariesAndContinueInTheNextSegment() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));
        appendOneRecordBatches(log, 10, T, T);

        assertThat(offsets(readAll(log, 0))).containsExactly(0L, 1L, 2L);
        assertThat(offsets(readAll(log, 2))).containsExactly(2L);
        assertThat(offsets(readAll(log, 3))).containsExactly(3L, 4L, 5L);
        assertThat(offsets(readAll(log, 5))).containsExactly(5L);
        assertThat(offsets(readAll(log, 9))).containsExactly(9L);
        assertThat(readAll(log, 10).sizeInBytes()).isZero();

        var consumed = new ArrayList<String>();
        long next = 0;
        for (int reads = 0; reads < 20 && next < log.logEndOffset(); reads++) {
            Records records = log.read(next, BATCH * 2, log.logEndMetadata(), true);
            consumed.addAll(values(records));
            next = offsets(records).get(offsets(records).size() - 1) + 1;
        }
        assertThat(consumed).containsExactly("v0000", "v0001", "v0002", "v0003", "v0004", "v0005", "v0006",
                "v0007", "v0008", "v0009");
    }

    @Test
    void readsStopAtAnUpperBoundOnASegmentBoundary() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));
        appendOneRecordBatches(log, 10, T, T);
        LogOffsetMetadata highWatermark = log.offsetMetadata(6);

        assertThat(highWatermark).isEqualTo(new LogOffsetMetadata(6, 6, 0));
        assertThat(offsets(log.read(3, Integer.MAX_VALUE, highWatermark, true))).containsExactly(3L, 4L, 5L);
        assertThat(log.read(6, Integer.MAX_VALUE, highWatermark, true).sizeInBytes()).isZero();
        assertThat(offsets(log.read(3, Integer.MAX_VALUE, LogOffsetMetadata.unknown(5), true)))
                .containsExactly(3L, 4L);
    }

    @Test
    void readFromInsideABatchReturnsTheWholeBatch() {
        PartitionLog log = open(Map.of());
        append(log, batch(0, T, 4), T);
        append(log, batch(0, T, 4), T);

        assertThat(offsets(readAll(log, 6))).containsExactly(4L, 5L, 6L, 7L);
    }

    @Test
    void readBelowTheLogStartOrBeyondTheLogEndIsOutOfRange() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));
        appendOneRecordBatches(log, 10, T, T);
        log.advanceLogStartOffset(4);

        assertThatThrownBy(() -> readAll(log, 3)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThatThrownBy(() -> readAll(log, 11)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(offsets(readAll(log, 4))).containsExactly(4L, 5L);
    }

    @Test
    void rollsWhenTheActiveSegmentIsOlderThanSegmentMs() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_MS, "1000"));

        append(log, batch(0, T, 1), T);
        append(log, batch(0, T + 500, 1), T + 500);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L);

        append(log, batch(0, T + 1_001, 1), T + 1_001);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
    }

    /** Answers each bounded draw with {@code draw} of its bound, recording the bounds asked for. */
    private static RandomGenerator boundedDraws(List<Long> bounds, LongUnaryOperator draw) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException("only bounded draws");
            }

            @Override
            public long nextLong(long bound) {
                bounds.add(bound);
                return draw.applyAsLong(bound);
            }
        };
    }

    @Test
    void segmentJitterRollsEachSegmentEarlierByAJitterDrawnBelowSegmentJitterMs() {
        var bounds = new ArrayList<Long>();
        // Every draw is 300 ms, so segment.ms 1000 rolls a segment once its first batch is more than 700 ms old.
        RandomGenerator draws300 = boundedDraws(bounds, bound -> 300);
        PartitionLog log = PartitionLog.open(TestBatches.PARTITION, dir, TestBatches.config(Map.of(
                LogConfig.SEGMENT_MS, "1000", LogConfig.SEGMENT_JITTER_MS, "400")), 0, 0,
                (deletion, delayMs) -> deletion.run(), T, batch -> { }, draws300);
        opened.add(log);

        append(log, batch(0, T, 1), T);
        append(log, batch(0, T + 700, 1), T + 700);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L);
        append(log, batch(0, T + 701, 1), T + 701);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
        append(log, batch(0, T + 1_401, 1), T + 1_401);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
        append(log, batch(0, T + 1_402, 1), T + 1_402);

        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L, 4L);
        // One draw per segment that became active (the first at open), each below segment.jitter.ms.
        assertThat(bounds).containsExactly(400L, 400L, 400L);
    }

    @Test
    void segmentJitterIsCappedAtSegmentMs() {
        LogConfig config = TestBatches.config(Map.of(LogConfig.SEGMENT_MS, "1000",
                LogConfig.SEGMENT_JITTER_MS, "5000"));
        var bounds = new ArrayList<Long>();
        RandomGenerator recording = boundedDraws(bounds, bound -> bound - 1);

        assertThat(config.randomSegmentJitterMs(recording)).isEqualTo(999);
        assertThat(bounds).containsExactly(1000L);
        assertThat(TestBatches.config(Map.of()).randomSegmentJitterMs(recording)).isZero();
    }

    @Test
    void segmentMsAfterARestartCountsFromTheSegmentsFirstBatch() {
        Map<String, String> config = Map.of(LogConfig.SEGMENT_MS, "1000", LogConfig.INDEX_INTERVAL_BYTES, "1");
        PartitionLog log = open(config);
        append(log, batch(0, T, 1), T);
        append(log, batch(0, T + 900, 1), T + 900);
        log.close();

        PartitionLog reopened = open(config, Long.MAX_VALUE, T + 1_000);
        append(reopened, batch(0, T + 1_500, 1), T + 1_500);

        assertThat(reopened.segmentBaseOffsets()).containsExactly(0L, 2L);
    }

    @Test
    void retentionMsDeletesSegmentsWhoseNewestRecordIsTooOldAndMovesTheLogStart() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES, LogConfig.RETENTION_MS, "10000"));
        appendOneRecordBatches(log, 9, T, T);
        appendOneRecordBatches(log, 2, T + 20_000, T + 20_000);

        assertThat(log.applyRetention(T + 25_000)).isEqualTo(3);

        assertThat(log.segmentBaseOffsets()).containsExactly(9L);
        assertThat(log.logStartOffset()).isEqualTo(9);
        assertThat(offsets(readAll(log, 9))).containsExactly(9L, 10L);
        assertThat(Files.exists(dir.resolve(LogSegment.fileName(0, ".log")))).isFalse();
        assertThatThrownBy(() -> readAll(log, 8)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void retentionMsKeepsSegmentsWithinTheLimit() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES, LogConfig.RETENTION_MS, "10000"));
        appendOneRecordBatches(log, 6, T, T);

        assertThat(log.applyRetention(T + 10_000)).isZero();
        assertThat(log.logStartOffset()).isZero();
    }

    @Test
    void anExpiredActiveSegmentIsRolledAndDeletedLeavingAnEmptyLog() {
        PartitionLog log = open(Map.of(LogConfig.RETENTION_MS, "10000"));
        appendOneRecordBatches(log, 3, T, T);

        log.applyRetention(T + 60_000);

        assertThat(log.logStartOffset()).isEqualTo(3);
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(log.segmentBaseOffsets()).containsExactly(3L);
        assertThat(readAll(log, 3).sizeInBytes()).isZero();
        assertThat(append(log, batch(0, T + 60_000, 1), T + 60_000).firstOffset()).isEqualTo(3);
        assertThat(offsets(readAll(log, 3))).containsExactly(3L);
    }

    @Test
    void retentionBytesDeletesOldestSegmentsWhileTheRestStaysAtOrAboveTheLimit() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES,
                LogConfig.RETENTION_BYTES, String.valueOf(4 * BATCH)));
        appendOneRecordBatches(log, 10, T, T);

        assertThat(log.applyRetention(T)).isEqualTo(2);

        assertThat(log.segmentBaseOffsets()).containsExactly(6L, 9L);
        assertThat(log.logStartOffset()).isEqualTo(6);
        assertThat(log.sizeInBytes()).isEqualTo(4L * BATCH);
    }

    @Test
    void compactedTopicsAreNotTrimmedByRetention() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES, LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.RETENTION_MS, "1"));
        appendOneRecordBatches(log, 10, T, T);

        assertThat(log.applyRetention(T + 60_000)).isZero();
        assertThat(log.logStartOffset()).isZero();
    }

    @Test
    void advancingTheLogStartOffsetDeletesWholeSegmentsBelowIt() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));
        appendOneRecordBatches(log, 10, T, T);

        assertThat(log.advanceLogStartOffset(4)).isEqualTo(4);
        assertThat(log.segmentBaseOffsets()).containsExactly(3L, 6L, 9L);
        assertThat(log.advanceLogStartOffset(2)).isEqualTo(4);
        assertThat(log.advanceLogStartOffset(6)).isEqualTo(6);
        assertThat(log.segmentBaseOffsets()).containsExactly(6L, 9L);
        assertThat(log.advanceLogStartOffset(100)).isEqualTo(10);
        assertThat(log.segmentBaseOffsets()).containsExactly(9L);
    }

    @Test
    void truncateRemovesEverythingFromTheOffsetAndAppendsContinueThere() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));
        appendOneRecordBatches(log, 10, T, T);

        log.truncateTo(5);

        assertThat(log.logEndOffset()).isEqualTo(5);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L);
        assertThat(append(log, batch(5, T, 1), T).firstOffset()).isEqualTo(5);
        assertThat(values(readAll(log, 3))).containsExactly("v0003", "v0004", "v0005");
    }

    @Test
    void flushMessagesOneMovesTheRecoveryPointToTheLogEndAfterEveryAppend() {
        PartitionLog log = open(Map.of(LogConfig.FLUSH_MESSAGES, "1"));

        for (int i = 1; i <= 5; i++) {
            append(log, batch(0, T, 1), T);
            assertThat(log.recoveryPoint()).isEqualTo(i);
        }
    }

    @Test
    void flushMessagesCountsRecordsNotBatches() {
        PartitionLog log = open(Map.of(LogConfig.FLUSH_MESSAGES, "5"));

        append(log, batch(0, T, 3), T);
        assertThat(log.recoveryPoint()).isZero();
        append(log, batch(0, T, 2), T);
        assertThat(log.recoveryPoint()).isEqualTo(5);
    }

    @Test
    void withoutFlushSettingsTheRecoveryPointStaysUntilAnExplicitFlush() {
        PartitionLog log = open(Map.of());
        appendOneRecordBatches(log, 5, T, T);
        assertThat(log.recoveryPoint()).isZero();

        log.maybeFlushByTime(T + 1_000);
        assertThat(log.recoveryPoint()).isZero();

        log.flush(T);
        assertThat(log.recoveryPoint()).isEqualTo(5);
    }

    @Test
    void aRollFlushesTheFullSegmentAndMovesTheRecoveryPointToTheNewOne() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));

        appendOneRecordBatches(log, 3, T, T);
        assertThat(log.recoveryPoint()).isZero();
        appendOneRecordBatches(log, 1, T, T);
        assertThat(log.recoveryPoint()).isEqualTo(3);
        appendOneRecordBatches(log, 4, T, T);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L);
        assertThat(log.recoveryPoint()).isEqualTo(6);
    }

    @Test
    void flushMsFlushesOnceTheIntervalHasPassed() {
        PartitionLog log = open(Map.of(LogConfig.FLUSH_MS, "1000"));
        appendOneRecordBatches(log, 2, T, T);

        log.maybeFlushByTime(T + 999);
        assertThat(log.recoveryPoint()).isZero();
        log.maybeFlushByTime(T + 1_000);
        assertThat(log.recoveryPoint()).isEqualTo(2);
    }

    @Test
    void offsetForTimestampFindsTheFirstOffsetAtOrAboveTheTargetAcrossSegments() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));
        for (int i = 0; i < 10; i++) {
            append(log, batch(0, T + i * 100L, 1), T + 1_000);
        }

        assertThat(log.offsetForTimestamp(0, 10).offset).isZero();
        assertThat(log.offsetForTimestamp(T + 300, 10).offset).isEqualTo(3);
        FileRecords.TimestampAndOffset between = log.offsetForTimestamp(T + 450, 10);
        assertThat(between.offset).isEqualTo(5);
        assertThat(between.timestamp).isEqualTo(T + 500);
        assertThat(log.offsetForTimestamp(T + 901, 10)).isNull();
        assertThat(log.offsetForTimestamp(T + 900, 9)).isNull();
    }

    @Test
    void offsetForTimestampIgnoresRecordsBelowTheLogStart() {
        PartitionLog log = open(Map.of());
        for (int i = 0; i < 4; i++) {
            append(log, batch(0, T + i * 100L, 1), T + 1_000);
        }
        log.advanceLogStartOffset(2);

        assertThat(log.offsetForTimestamp(T, 4).offset).isEqualTo(2);
    }

    @Test
    void maxTimestampIsTheRecordHoldingTheLargestTimestamp() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, String.valueOf(2 * BATCH)));
        append(log, batchWithTimestamps(0, T + 10, T + 50, T + 20), T + 1_000);
        append(log, batchWithTimestamps(0, T + 30), T + 1_000);
        append(log, batchWithTimestamps(0, T + 40, T + 50), T + 1_000);

        FileRecords.TimestampAndOffset max = log.maxTimestampOffset(log.logEndOffset());

        // The first record with the largest timestamp: offset 1 of the first batch, not the batch's last offset.
        assertThat(max.timestamp).isEqualTo(T + 50);
        assertThat(max.offset).isEqualTo(1);
    }

    @Test
    void maxTimestampOfAnEmptyLogIsNone() {
        assertThat(open(Map.of()).maxTimestampOffset(0)).isNull();
    }

    @Test
    void aCleanReopenKeepsSegmentsOffsetsAndTimestamps() {
        Map<String, String> config = Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES, LogConfig.INDEX_INTERVAL_BYTES, "1");
        PartitionLog log = open(config);
        for (int i = 0; i < 10; i++) {
            append(log, batch(i, T + i, 1), T);
        }
        log.close();

        PartitionLog reopened = open(config, Long.MAX_VALUE, T);

        assertThat(reopened.logEndOffset()).isEqualTo(10);
        assertThat(reopened.recoveryPoint()).isEqualTo(10);
        assertThat(reopened.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L);
        assertThat(values(readAll(reopened, 6))).containsExactly("v0006", "v0007", "v0008");
        assertThat(reopened.offsetForTimestamp(T + 7, 10).offset).isEqualTo(7);
        assertThat(reopened.maxTimestampOffset(10).offset).isEqualTo(9);
        assertThat(append(reopened, batch(0, T, 1), T).firstOffset()).isEqualTo(10);
    }

    @Test
    void reopenWithoutACleanShutdownTruncatesATornTailOfTheActiveSegment() throws Exception {
        Map<String, String> config = Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES);
        PartitionLog log = open(config);
        appendOneRecordBatches(log, 8, T, T);
        // The process dies while writing a batch: half of it is in the page cache, nothing was flushed.
        MemoryRecords torn = batch(8, T, 1);
        byte[] half = new byte[torn.sizeInBytes() / 2];
        torn.buffer().duplicate().get(half);
        Files.write(dir.resolve(LogSegment.fileName(6, ".log")), half, StandardOpenOption.APPEND);

        PartitionLog recovered = open(config, 0, T);

        assertThat(recovered.logEndOffset()).isEqualTo(8);
        assertThat(recovered.segmentBaseOffsets()).containsExactly(0L, 3L, 6L);
        assertThat(Files.size(dir.resolve(LogSegment.fileName(6, ".log")))).isEqualTo(2L * BATCH);
        assertThat(values(readAll(recovered, 6))).containsExactly("v0006", "v0007");
        assertThat(append(recovered, batch(8, T, 1), T).firstOffset()).isEqualTo(8);
        assertThat(values(readAll(recovered, 6))).containsExactly("v0006", "v0007", "v0008");
    }

    @Test
    void aTornWriteInAnOlderSegmentDropsTheSegmentsAfterIt() throws Exception {
        Map<String, String> config = Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES);
        PartitionLog log = open(config);
        appendOneRecordBatches(log, 8, T, T);
        Path middle = dir.resolve(LogSegment.fileName(3, ".log"));
        try (var channel = java.nio.channels.FileChannel.open(middle, StandardOpenOption.WRITE)) {
            channel.truncate(2L * BATCH + 10);
        }

        PartitionLog recovered = open(config, 0, T);

        assertThat(recovered.logEndOffset()).isEqualTo(5);
        assertThat(recovered.segmentBaseOffsets()).containsExactly(0L, 3L);
        assertThat(Files.exists(dir.resolve(LogSegment.fileName(6, ".log")))).isFalse();
    }

    @Test
    void leaderEpochsAreRecordedAtTheirFirstOffsetAndTrimmedWithTheLog() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, THREE_BATCHES));
        var records = batch(0, T, 1);
        log.appendAsLeader(records, RecordBatchValidator.validate(records, log.config(), T), 0, T);
        for (int i = 0; i < 4; i++) {
            var next = batch(0, T, 1);
            log.appendAsLeader(next, RecordBatchValidator.validate(next, log.config(), T), 3, T);
        }

        assertThat(log.epochs().entries()).containsExactly(new LeaderEpochCache.EpochEntry(0, 0),
                new LeaderEpochCache.EpochEntry(3, 1));
        assertThat(offsets(readAll(log, 0))).containsExactly(0L, 1L, 2L);
        assertThat(readAll(log, 1).batches().iterator().next().partitionLeaderEpoch()).isEqualTo(3);

        log.advanceLogStartOffset(4);
        assertThat(log.epochs().entries()).containsExactly(new LeaderEpochCache.EpochEntry(3, 4));
    }
}
