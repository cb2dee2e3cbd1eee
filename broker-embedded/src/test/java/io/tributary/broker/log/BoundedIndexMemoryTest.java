package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.append;
import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.offsets;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.FileRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index memory is bounded by configuration, as in Kafka: offset and time index entries only every
 * index.interval.bytes, each index capped by segment.index.bytes (a full one rolls the segment), and a segment that is
 * no longer appended to keeps no index entries on the heap, so heap does not grow with retained data.
 */
class BoundedIndexMemoryTest {
    private static final long T = 1_700_000_000_000L;
    /** Every one-record test batch has this size. */
    private static final int BATCH = batch(0, T, 1).sizeInBytes();

    @TempDir
    Path dir;

    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path partitionDir, Map<String, String> overrides, long recoveryPoint) {
        PartitionLog log = TestBatches.open(partitionDir, TestBatches.config(overrides), recoveryPoint, 0, T);
        opened.add(log);
        return log;
    }

    private static List<LogSegment> segments(PartitionLog log) {
        return log.segmentsBetween(0, Long.MAX_VALUE);
    }

    private static List<LogSegment> inactiveSegments(PartitionLog log) {
        List<LogSegment> all = segments(log);
        return all.subList(0, all.size() - 1);
    }

    @Test
    void timeIndexGetsAtMostOneEntryPerIndexIntervalWhenEveryBatchRaisesTheMaxTimestamp() {
        int intervalBytes = 1024;
        PartitionLog log = open(dir, Map.of(LogConfig.INDEX_INTERVAL_BYTES, String.valueOf(intervalBytes)), 0);

        for (int i = 0; i < 2_000; i++) {
            append(log, batch(0, T + i, 1), T + i);
        }

        LogSegment segment = log.activeSegment();
        int maxEntries = segment.sizeInBytes() / intervalBytes + 1;
        assertThat(segment.timeIndexEntries()).isPositive().isLessThanOrEqualTo(maxEntries);
        assertThat(segment.offsetIndexEntries()).isPositive().isLessThanOrEqualTo(maxEntries);
        // Still every timestamp is found.
        assertThat(log.offsetForTimestamp(T + 1_234, Long.MAX_VALUE).offset).isEqualTo(1_234);
        assertThat(log.offsetForTimestamp(T, Long.MAX_VALUE).offset).isZero();
        assertThat(log.offsetForTimestamp(T + 1_999, Long.MAX_VALUE).offset).isEqualTo(1_999);
    }

    /**
     * The active segment's entries leave the heap at each recovery-point checkpoint instead of piling up until the
     * segment rolls (with 1 GiB segments, megabytes per partition), and lookups and recovery stay right.
     */
    @Test
    void activeSegmentEntriesLeaveTheHeapWhenWrittenOut() throws Exception {
        PartitionLog log = open(dir, Map.of(LogConfig.INDEX_INTERVAL_BYTES, "0"), 0);
        for (int i = 0; i < 1_000; i++) {
            append(log, batch(0, T + i, 1), T + i);
        }
        assertThat(log.activeSegment().indexHeapBytes()).isPositive();

        log.writeOutIndexes();

        assertThat(log.activeSegment().indexHeapBytes()).isZero();
        for (int i = 1_000; i < 1_010; i++) {
            append(log, batch(0, T + i, 1), T + i);
        }
        assertThat(log.offsetForTimestamp(T + 567, Long.MAX_VALUE).offset).isEqualTo(567);
        assertThat(log.offsetForTimestamp(T + 1_005, Long.MAX_VALUE).offset).isEqualTo(1_005);
        assertThat(offsets(log.read(432, BATCH, log.logEndMetadata(), true))).containsExactly(432L);

        // Reopened from recovery point 0, so every segment and its written-out index is checked against the log.
        opened.remove(log);
        log.close();
        PartitionLog reopened = open(dir, Map.of(LogConfig.INDEX_INTERVAL_BYTES, "0"), 0);
        assertThat(reopened.logEndOffset()).isEqualTo(1_010);
        assertThat(reopened.offsetForTimestamp(T + 1_005, Long.MAX_VALUE).offset).isEqualTo(1_005);
        assertThat(offsets(reopened.read(999, BATCH, reopened.logEndMetadata(), true))).containsExactly(999L);
    }

    @Test
    void segmentRollsWhenItsTimeIndexIsFull() {
        int indexBytes = 10 * TimeIndex.ENTRY_BYTES;
        PartitionLog log = open(dir, Map.of(LogConfig.INDEX_INTERVAL_BYTES, "0",
                LogConfig.SEGMENT_INDEX_BYTES, String.valueOf(indexBytes)), 0);

        for (int i = 0; i < 200; i++) {
            append(log, batch(0, T + i, 1), T + i);
        }

        assertThat(segments(log)).hasSizeGreaterThan(10);
        for (LogSegment segment : segments(log)) {
            assertThat(segment.timeIndexEntries()).isLessThanOrEqualTo(indexBytes / TimeIndex.ENTRY_BYTES);
            assertThat(segment.offsetIndexEntries()).isLessThanOrEqualTo(indexBytes / OffsetIndex.ENTRY_BYTES);
        }
        assertThat(CleanerTestLog.entries(log).stream().map(CleanerTestLog.Entry::offset).toList())
                .hasSize(200).startsWith(0L, 1L).endsWith(199L);
        assertThat(log.offsetForTimestamp(T + 123, Long.MAX_VALUE).offset).isEqualTo(123);
    }

    /**
     * A week at 10 appends/s is 6M appends per partition, too slow for the default suite: instead 10 partitions get
     * 8k one-record appends each with an index entry per append (index.interval.bytes=0), in 50 segments each.
     * The heap the indexes hold must stay what the active segments need, not grow with the retained segments.
     */
    @Test
    void indexHeapDoesNotGrowWithRetainedSegments() {
        int partitions = 10;
        int appends = 8_000;
        int segmentBytes = 160 * BATCH;
        Map<String, String> config = Map.of(LogConfig.INDEX_INTERVAL_BYTES, "0",
                LogConfig.SEGMENT_BYTES, String.valueOf(segmentBytes));
        var logs = new ArrayList<PartitionLog>();
        for (int p = 0; p < partitions; p++) {
            logs.add(open(dir.resolve(PartitionLog.dirName(new TopicPartition("t", p))), config, 0));
        }
        for (int i = 0; i < appends; i++) {
            for (PartitionLog log : logs) {
                append(log, batch(0, T + i, 1), T + i);
            }
        }

        long inactiveHeapBytes = 0;
        long totalHeapBytes = 0;
        for (PartitionLog log : logs) {
            assertThat(segments(log)).hasSize(appends / 160);
            for (LogSegment segment : inactiveSegments(log)) {
                inactiveHeapBytes += segment.indexHeapBytes();
            }
            for (LogSegment segment : segments(log)) {
                totalHeapBytes += segment.indexHeapBytes();
            }
        }
        // The active segment holds at most its own entries (one per batch here), with room to double.
        long activeBound = (long) partitions * 2 * (segmentBytes / BATCH + 16)
                * (OffsetIndex.ENTRY_BYTES + TimeIndex.ENTRY_BYTES);
        assertThat(inactiveHeapBytes).isZero();
        assertThat(totalHeapBytes).isLessThanOrEqualTo(activeBound);

        // Lookups in the inactive segments read their entries without bringing them onto the heap.
        for (PartitionLog log : logs) {
            assertThat(log.offsetForTimestamp(T + 1_000, Long.MAX_VALUE).offset).isEqualTo(1_000);
            assertThat(offsets(log.read(4_321, BATCH, log.logEndMetadata(), true))).containsExactly(4_321L);
            for (LogSegment segment : inactiveSegments(log)) {
                assertThat(segment.indexHeapBytes()).isZero();
            }
        }
    }

    /**
     * The cleaner writes each cleaned segment's indexes as it appends to it; those entries must not stay on the heap
     * once the segment is swapped in, or every compaction pass would bring a compacted log's indexes back onto it.
     */
    @Test
    void compactedInactiveSegmentsHoldNoIndexEntriesOnTheHeap() {
        Map<String, String> config = Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.INDEX_INTERVAL_BYTES, "0",
                LogConfig.SEGMENT_BYTES, String.valueOf(40 * BATCH));
        PartitionLog log = open(dir.resolve("t-0"), config, 0);
        for (int i = 0; i < 400; i++) {
            // 100 keys, each written four times: a pass keeps a quarter of the records.
            CleanerTestLog.put(log, "k" + (i % 100), "v" + i, T + i);
        }
        var time = new ManualTime(T + 400);
        var cleaner = new LogCleaner(new CleanerConfig(true, 1, 1024 * 1024, 0.9, 64 * 1024, Double.MAX_VALUE,
                15_000), List.of(dir), () -> List.of(log), time);
        long before = log.sizeInBytes();

        assertThat(cleaner.cleanOnce()).isTrue();

        assertThat(log.sizeInBytes()).isLessThan(before);
        for (LogSegment segment : inactiveSegments(log)) {
            assertThat(segment.indexHeapBytes()).as("index heap of %s", segment).isZero();
        }
        assertThat(log.offsetForTimestamp(T + 390, Long.MAX_VALUE).offset).isEqualTo(390);
        assertThat(offsets(log.read(350, 1, log.logEndMetadata(), true))).containsExactly(350L);
    }

    @Test
    void lookupsAreCorrectAfterACleanReopenAndLoadNothingOntoTheHeap() {
        Map<String, String> config = Map.of(LogConfig.INDEX_INTERVAL_BYTES, String.valueOf(4 * BATCH),
                LogConfig.SEGMENT_BYTES, String.valueOf(100 * BATCH));
        PartitionLog log = open(dir, config, 0);
        appendStepTimestamps(log, 1_000);
        List<Long> maxTimestamps = segments(log).stream().map(LogSegment::maxTimestamp).toList();
        log.close();
        opened.remove(log);

        PartitionLog reopened = open(dir, config, Long.MAX_VALUE);

        assertThat(segments(reopened)).hasSize(10);
        for (LogSegment segment : segments(reopened)) {
            assertThat(segment.indexHeapBytes()).isZero();
        }
        assertThat(segments(reopened).stream().map(LogSegment::maxTimestamp).toList()).isEqualTo(maxTimestamps);
        assertLookups(reopened, 1_000);
        for (LogSegment segment : inactiveSegments(reopened)) {
            assertThat(segment.indexHeapBytes()).isZero();
        }
        // The reopened active segment goes on indexing where it left off.
        appendStepTimestamps(reopened, 1_000);
        assertLookups(reopened, 2_000);
    }

    @Test
    void lookupsAreCorrectAfterACrashWithIndexesThatDoNotMatchTheLog() throws Exception {
        Map<String, String> config = Map.of(LogConfig.INDEX_INTERVAL_BYTES, String.valueOf(4 * BATCH),
                LogConfig.SEGMENT_BYTES, String.valueOf(100 * BATCH));
        PartitionLog log = open(dir, config, 0);
        appendStepTimestamps(log, 1_000);
        log.close();
        opened.remove(log);
        // The last segment's indexes claim entries past its log (a crash after the index writes, before the log's).
        Path index = dir.resolve(LogSegment.fileName(900, ".index"));
        Path timeIndex = dir.resolve(LogSegment.fileName(900, ".timeindex"));
        Files.write(index, new byte[40 * OffsetIndex.ENTRY_BYTES], java.nio.file.StandardOpenOption.APPEND);
        Files.write(timeIndex, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);

        PartitionLog reopened = open(dir, config, 900);

        assertThat(reopened.logEndOffset()).isEqualTo(1_000);
        assertLookups(reopened, 1_000);
        appendStepTimestamps(reopened, 1_000);
        assertLookups(reopened, 2_000);
    }

    /** Appends one-record batches whose timestamps rise every third offset: offset o carries T + 10 * (o / 3). */
    private static void appendStepTimestamps(PartitionLog log, int count) {
        for (int i = 0; i < count; i++) {
            long offset = log.logEndOffset();
            append(log, batch(0, stepTimestamp(offset), 1), T + offset);
        }
    }

    private static long stepTimestamp(long offset) {
        return T + 10 * (offset / 3);
    }

    private static void assertLookups(PartitionLog log, long logEnd) {
        for (long offset = 0; offset < logEnd; offset += 7) {
            FileRecords.TimestampAndOffset found = log.offsetForTimestamp(stepTimestamp(offset), Long.MAX_VALUE);
            assertThat(found.offset).as("first offset at timestamp of %d", offset).isEqualTo(offset / 3 * 3);
            assertThat(found.timestamp).isEqualTo(stepTimestamp(offset));
            // Between two steps: the first offset of the next step.
            long nextStep = offset / 3 * 3 + 3;
            FileRecords.TimestampAndOffset after = log.offsetForTimestamp(stepTimestamp(offset) + 5, Long.MAX_VALUE);
            if (nextStep < logEnd) {
                assertThat(after.offset).as("first offset after timestamp of %d", offset).isEqualTo(nextStep);
            } else {
                assertThat(after).isNull();
            }
            assertThat(offsets(log.read(offset, 1, log.logEndMetadata(), true))).containsExactly(offset);
            assertThat(log.offsetMetadata(offset).position()).isNotNegative();
        }
    }
}
