package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.append;
import static io.tributary.broker.log.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * segment.ms as Kafka's {@code LogSegment.shouldRoll} applies it: the incoming batches' max timestamp against the
 * active segment's first batch timestamp, and only when that first batch has no timestamp the broker's clock against
 * the segment's creation. A producer writing old timestamps (a backfill, MirrorMaker, a Streams changelog being
 * reprocessed) therefore rolls by the span of the timestamps it writes, not once per append.
 */
class SegmentRollByTimestampTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private static final long WEEK_AGO = NOW - 7 * 24 * HOUR;
    private static final Map<String, String> ONE_HOUR_SEGMENTS = Map.of(LogConfig.SEGMENT_MS, String.valueOf(HOUR));

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

    private static List<Long> allOffsets(PartitionLog log) {
        return CleanerTestLog.entries(log).stream().map(CleanerTestLog.Entry::offset).toList();
    }

    @Test
    void aThousandBatchesStampedAWeekAgoStayInOneSegment() {
        PartitionLog log = open(ONE_HOUR_SEGMENTS, 0, NOW);

        for (int i = 0; i < 1_000; i++) {
            append(log, batch(0, WEEK_AGO + i, 1), NOW + i);
        }

        assertThat(log.segmentBaseOffsets()).containsExactly(0L);
        assertThat(log.logEndOffset()).isEqualTo(1_000);
    }

    @Test
    void oldTimestampsRollWhenTheyCrossSegmentMsFromTheSegmentsFirstBatch() {
        PartitionLog log = open(ONE_HOUR_SEGMENTS, 0, NOW);

        append(log, batch(0, WEEK_AGO, 1), NOW);                  // 0: the first batch
        append(log, batch(0, WEEK_AGO + HOUR, 1), NOW + 1);       // 1: exactly segment.ms later
        assertThat(log.segmentBaseOffsets()).containsExactly(0L);
        append(log, batch(0, WEEK_AGO + HOUR + 1, 1), NOW + 2);   // 2: past it
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
        append(log, batch(0, WEEK_AGO + 2 * HOUR + 1, 1), NOW + 3); // 3: segment.ms after offset 2's batch
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
        append(log, batch(0, WEEK_AGO + 2 * HOUR + 2, 1), NOW + 4);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L, 4L);

        assertThat(allOffsets(log)).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    void aBatchStampedEarlierThanTheFirstDoesNotRoll() {
        PartitionLog log = open(ONE_HOUR_SEGMENTS, 0, NOW);

        append(log, batch(0, NOW, 1), NOW);
        append(log, batch(0, WEEK_AGO, 1), NOW + 2 * HOUR);

        assertThat(log.segmentBaseOffsets()).containsExactly(0L);
    }

    @Test
    void afterARestartOldTimestampsStillCountFromTheFirstBatchOnDisk() {
        PartitionLog log = open(ONE_HOUR_SEGMENTS, 0, NOW);
        append(log, batch(0, WEEK_AGO, 1), NOW);
        append(log, batch(0, WEEK_AGO + 1, 1), NOW);
        log.close();
        opened.remove(log);

        PartitionLog reopened = open(ONE_HOUR_SEGMENTS, Long.MAX_VALUE, NOW + 2 * HOUR);
        for (int i = 0; i < 100; i++) {
            append(reopened, batch(0, WEEK_AGO + 2 + i, 1), NOW + 2 * HOUR + i);
        }
        assertThat(reopened.segmentBaseOffsets()).containsExactly(0L);

        append(reopened, batch(0, WEEK_AGO + HOUR + 1, 1), NOW + 3 * HOUR);
        assertThat(reopened.segmentBaseOffsets()).containsExactly(0L, 102L);
    }

    @Test
    void aSegmentWhoseFirstBatchHasNoTimestampRollsByTheClockSinceItWasCreated() {
        PartitionLog log = open(ONE_HOUR_SEGMENTS, 0, NOW);

        append(log, batch(0, RecordBatch.NO_TIMESTAMP, 1), NOW);
        // Stamped batches after it do not make the segment count from their timestamps (Kafka keeps the first
        // batch's): a week-old one does not roll...
        append(log, batch(0, WEEK_AGO, 1), NOW + 1);
        append(log, batch(0, RecordBatch.NO_TIMESTAMP, 1), NOW + HOUR);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L);
        // ...and the segment rolls once it is older than segment.ms on the broker's clock.
        append(log, batch(0, RecordBatch.NO_TIMESTAMP, 1), NOW + HOUR + 1);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L);

        // The new segment was created by that roll, at NOW + HOUR + 1.
        append(log, batch(0, RecordBatch.NO_TIMESTAMP, 1), NOW + 2 * HOUR + 1);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L);
        append(log, batch(0, RecordBatch.NO_TIMESTAMP, 1), NOW + 2 * HOUR + 2);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 5L);
    }

    @Test
    void logAppendTimeRollsByTheBrokersClock() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_MS, String.valueOf(HOUR),
                LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"), 0, NOW);

        append(log, batch(0, WEEK_AGO, 1), NOW);
        append(log, batch(0, WEEK_AGO, 1), NOW + HOUR);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L);
        append(log, batch(0, WEEK_AGO, 1), NOW + HOUR + 1);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
    }
}
