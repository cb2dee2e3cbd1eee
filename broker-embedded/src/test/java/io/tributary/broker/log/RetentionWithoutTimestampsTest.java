package io.tributary.broker.log;

import static io.tributary.broker.log.CleanerTestLog.entries;
import static io.tributary.broker.log.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.CleanerTestLog.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records without timestamps (magic v2 with NO_TIMESTAMP, -1): a segment holding only such records has no largest
 * timestamp, so retention.ms, min.compaction.lag.ms and max.compaction.lag.ms measure its age from its file's last
 * modification, as Kafka's {@code LogSegment.largestTimestamp} does. The test clock is in 2023 and the files'
 * modification times are set to it, so ages are exact.
 */
class RetentionWithoutTimestampsTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;
    private static final int BATCH = batch(0, RecordBatch.NO_TIMESTAMP, 1).sizeInBytes();
    private static final String THREE_BATCHES = String.valueOf(3 * BATCH);

    @TempDir
    Path logDir;

    private final ManualTime time = new ManualTime(NOW);
    private final List<PartitionLog> logs = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        logs.forEach(PartitionLog::close);
    }

    private Path partitionDir() {
        return logDir.resolve("t-0");
    }

    private PartitionLog open(Map<String, String> overrides) {
        var withSegments = new HashMap<>(overrides);
        withSegments.put(LogConfig.SEGMENT_BYTES, THREE_BATCHES);
        PartitionLog log = CleanerTestLog.open(partitionDir(), withSegments, time.milliseconds());
        logs.add(log);
        return log;
    }

    private LogCleaner cleaner() {
        return new LogCleaner(new CleanerConfig(true, 1, 1024 * 1024, 0.9, 64 * 1024, Double.MAX_VALUE, 15_000),
                List.of(logDir), () -> logs, time);
    }

    /** Appends {@code count} one-record batches without a timestamp, at the test clock's time. */
    private void appendWithoutTimestamps(PartitionLog log, int count) {
        for (int i = 0; i < count; i++) {
            TestBatches.append(log, batch(log.logEndOffset(), RecordBatch.NO_TIMESTAMP, 1), time.milliseconds());
        }
    }

    /** A keyed record without a timestamp, appended at the test clock's time. */
    private void put(PartitionLog log, String key, String value) {
        TestBatches.append(log, CleanerTestLog.keyed(RecordBatch.NO_TIMESTAMP, key, value), time.milliseconds());
    }

    private void setLastModified(long baseOffset, long ms) throws IOException {
        Files.setLastModifiedTime(partitionDir().resolve(LogSegment.fileName(baseOffset, ".log")),
                FileTime.fromMillis(ms));
    }

    private long lastModified(long baseOffset) throws IOException {
        return Files.getLastModifiedTime(partitionDir().resolve(LogSegment.fileName(baseOffset, ".log"))).toMillis();
    }

    @Test
    void segmentsWithoutTimestampsSurviveRetentionWhileTheirFilesAreRecentAndGoOnceOlder() throws IOException {
        PartitionLog log = open(Map.of(LogConfig.RETENTION_MS, String.valueOf(HOUR)));
        appendWithoutTimestamps(log, 7);    // [0-2] [3-5] and the active [6]
        for (long base : log.segmentBaseOffsets()) {
            setLastModified(base, NOW);
        }

        assertThat(log.applyRetention(NOW + 1_000)).isZero();
        assertThat(log.applyRetention(NOW + HOUR)).isZero();
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L);
        assertThat(log.logStartOffset()).isZero();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);

        // Older than retention.ms: the rolled segments go, and the active one is rolled and goes too.
        assertThat(log.applyRetention(NOW + HOUR + 1)).isEqualTo(3);
        assertThat(log.segmentBaseOffsets()).containsExactly(7L);
        assertThat(log.logStartOffset()).isEqualTo(7);
        assertThat(log.logEndOffset()).isEqualTo(7);
    }

    @Test
    void eachSegmentWithoutTimestampsExpiresByItsOwnFile() throws IOException {
        PartitionLog log = open(Map.of(LogConfig.RETENTION_MS, String.valueOf(HOUR)));
        appendWithoutTimestamps(log, 7);
        setLastModified(0, NOW - 2 * HOUR);
        setLastModified(3, NOW - HOUR / 2);
        setLastModified(6, NOW);

        assertThat(log.applyRetention(NOW)).isEqualTo(1);
        assertThat(log.segmentBaseOffsets()).containsExactly(3L, 6L);
        assertThat(log.logStartOffset()).isEqualTo(3);

        assertThat(log.applyRetention(NOW + HOUR / 2 + 1)).isEqualTo(1);
        assertThat(log.segmentBaseOffsets()).containsExactly(6L);
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(6L);
    }

    @Test
    void minCompactionLagKeepsSegmentsWithoutTimestampsUncleanedWhileTheirFilesAreRecent() throws IOException {
        PartitionLog log = open(Map.of(LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.MIN_COMPACTION_LAG_MS, String.valueOf(HOUR)));
        LogCleaner cleaner = cleaner();
        put(log, "a", "1");
        put(log, "a", "2");
        put(log, "a", "3");     // [0-2], written two hours ago
        put(log, "a", "4");
        put(log, "a", "5");
        put(log, "a", "6");     // [3-5], written now
        put(log, "b", "1");     // active
        setLastModified(0, NOW - 2 * HOUR);
        setLastModified(3, NOW);

        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(2L, 3L, 4L, 5L, 6L);

        time.set(NOW + HOUR + 1);
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).containsExactly(new Entry(5, "a", "6"), new Entry(6, "b", "1"));
    }

    @Test
    void maxCompactionLagForcesCleaningOfSegmentsWithoutTimestampsOnceTheirFilesAreOld() throws IOException {
        PartitionLog log = open(Map.of(LogConfig.CLEANUP_POLICY, "compact",
                LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.99", LogConfig.MAX_COMPACTION_LAG_MS, String.valueOf(HOUR)));
        LogCleaner cleaner = cleaner();
        put(log, "a", "1");
        put(log, "b", "1");
        put(log, "c", "1");
        put(log, "d", "1");     // 3: rolls [0-2]
        assertThat(cleaner.cleanOnce()).isTrue();   // everything is dirty: ratio 1 > 0.99
        put(log, "a", "2");
        put(log, "b", "2");
        put(log, "c", "2");     // 6: rolls [3-5]; dirty ratio 3/6
        setLastModified(3, NOW);

        time.set(NOW + HOUR);
        assertThat(cleaner.cleanOnce()).isFalse();
        time.set(NOW + HOUR + 1);
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void aCleanedSegmentKeepsTheLastModifiedTimeRetentionCountsFrom() throws IOException {
        PartitionLog log = open(Map.of(LogConfig.CLEANUP_POLICY, "compact,delete",
                LogConfig.RETENTION_MS, String.valueOf(HOUR)));
        put(log, "a", "1");
        put(log, "a", "2");
        put(log, "a", "3");     // [0-2]
        put(log, "b", "1");     // active
        setLastModified(0, NOW - HOUR / 2);
        setLastModified(3, NOW);

        assertThat(cleaner().cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(2L, 3L);
        assertThat(lastModified(0)).isEqualTo(NOW - HOUR / 2);

        assertThat(log.applyRetention(NOW + HOUR / 2)).isZero();
        assertThat(log.applyRetention(NOW + HOUR / 2 + 1)).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(3);
        assertThat(entries(log)).containsExactly(new Entry(3, "b", "1"));
    }
}
