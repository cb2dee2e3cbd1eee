package io.tributary.broker.log;

import static io.tributary.broker.log.CleanerTestLog.entries;
import static io.tributary.broker.log.CleanerTestLog.put;
import static io.tributary.broker.log.CleanerTestLog.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.CleanerTestLog.Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cleaner on real partition logs on disk, driven pass by pass ({@link LogCleaner#cleanOnce()}) with a
 * manual clock: nothing sleeps, no cleaner thread runs. Every record is its own batch of the same size (one-char
 * keys and values, tombstones one byte smaller), and {@code segment.bytes} holds three, so segment boundaries
 * are known: with ten records, segments [0-2] [3-5] [6-8] are cleanable and [9] is active.
 */
class LogCleanerTest {
    private static final long T = 1_700_000_000_000L;
    private static final int BATCH = CleanerTestLog.keyed(T, "k", "v").sizeInBytes();
    private static final String THREE_BATCHES = String.valueOf(3 * BATCH);

    @TempDir
    Path logDir;

    private final ManualTime time = new ManualTime(T);
    private final List<PartitionLog> logs = new ArrayList<>();

    @AfterEach
    void closeLogs() {
        logs.forEach(PartitionLog::close);
    }

    private PartitionLog open(Map<String, String> overrides) {
        var withPolicy = new HashMap<>(Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES,
                THREE_BATCHES));
        withPolicy.putAll(overrides);
        PartitionLog log = CleanerTestLog.open(logDir.resolve("t-0"), withPolicy, time.milliseconds());
        logs.add(log);
        return log;
    }

    private LogCleaner cleaner(long mapBytes) {
        return new LogCleaner(new CleanerConfig(true, 1, mapBytes, 0.9, 64 * 1024, Double.MAX_VALUE, 15_000),
                List.of(logDir), () -> logs, time);
    }

    private LogCleaner cleaner() {
        return cleaner(1024 * 1024);
    }

    @Test
    void keepsTheLatestValuePerKeyAtItsOriginalOffsetAndLeavesTheActiveSegmentAlone() {
        PartitionLog log = open(Map.of());
        put(log, "a", "1", T);      // 0
        put(log, "b", "1", T);      // 1
        put(log, "c", "1", T);      // 2
        put(log, "a", "2", T);      // 3
        put(log, "b", "2", T);      // 4
        put(log, "c", null, T);     // 5 tombstone
        put(log, "a", "3", T);      // 6
        put(log, "d", "1", T);      // 7
        put(log, "e", "1", T);      // 8
        put(log, "d", "2", T);      // 9  (active segment)
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L);
        long activeBytes = log.activeSegment().sizeInBytes();
        long before = log.sizeInBytes();

        assertThat(cleaner().cleanOnce()).isTrue();

        // d=1 at 7 stays: its newer value is in the active segment, which the map never covers.
        assertThat(entries(log)).containsExactly(new Entry(4, "b", "2"), new Entry(5, "c", null),
                new Entry(6, "a", "3"), new Entry(7, "d", "1"), new Entry(8, "e", "1"), new Entry(9, "d", "2"));
        assertThat(log.activeSegment().baseOffset()).isEqualTo(9);
        assertThat(log.activeSegment().sizeInBytes()).isEqualTo(activeBytes);
        assertThat(log.logEndOffset()).isEqualTo(10);
        assertThat(log.sizeInBytes()).isLessThan(before);
        assertThat(table(entries(log))).containsExactly(Map.entry("b", "2"), Map.entry("a", "3"),
                Map.entry("d", "2"), Map.entry("e", "1"));
    }

    @Test
    void aTombstoneSurvivesOnePassPlusDeleteRetentionMsThenGoes() {
        PartitionLog log = open(Map.of(LogConfig.DELETE_RETENTION_MS, "60000",
                LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.01"));
        LogCleaner cleaner = cleaner();
        put(log, "a", "1", T);
        put(log, "b", "1", T);
        put(log, "a", null, T);     // 2: tombstone of a
        put(log, "c", "1", T);      // 3: rolls [0-2]

        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).containsExactly(new Entry(1, "b", "1"), new Entry(2, "a", null),
                new Entry(3, "c", "1"));

        // A pass within delete.retention.ms of the first one keeps it.
        time.set(T + 59_999);
        put(log, "d", "1", time.milliseconds());
        put(log, "e", "1", time.milliseconds());
        put(log, "f", "1", time.milliseconds()); // rolls [3-5]
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);

        // The first pass after the horizon removes it.
        time.set(T + 60_000);
        put(log, "g", "1", time.milliseconds());
        put(log, "h", "1", time.milliseconds());
        put(log, "i", "1", time.milliseconds()); // rolls [6-8]
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(1L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(table(entries(log))).doesNotContainKey("a");
    }

    @Test
    void recordsYoungerThanMinCompactionLagAreNotCompacted() {
        PartitionLog log = open(Map.of(LogConfig.MIN_COMPACTION_LAG_MS, "60000"));
        LogCleaner cleaner = cleaner();
        long old = T - 120_000;
        put(log, "a", "1", old);
        put(log, "a", "2", old);
        put(log, "a", "3", old);    // [0-2] is two minutes old
        put(log, "a", "4", T);
        put(log, "a", "5", T);
        put(log, "a", "6", T);      // [3-5] is new
        put(log, "b", "1", T);      // active

        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(2L, 3L, 4L, 5L, 6L);

        time.set(T + 60_001);
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(5L, 6L);
    }

    @Test
    void aLogBelowMinCleanableDirtyRatioIsLeftAlone() {
        PartitionLog log = open(Map.of(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.6"));
        LogCleaner cleaner = cleaner();
        for (String key : List.of("a", "b", "c", "d", "e", "f", "g", "h", "i")) {
            put(log, key, "1", T);
        }
        put(log, "a", "2", T);      // active: [0-2] [3-5] [6-8] are dirty, ratio 1
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(cleaner.firstDirtyOffset(TestBatches.PARTITION, logDir)).isEqualTo(9);

        put(log, "b", "2", T);
        put(log, "c", "2", T);      // rolls [9-11]: 3 dirty batches of 12, ratio 0.25
        put(log, "d", "2", T);
        assertThat(cleaner.cleanOnce()).isFalse();
        assertThat(entries(log)).hasSize(13);

        for (String key : List.of("e", "f", "g", "h", "i", "a", "b", "c", "d")) {
            put(log, key, "3", T);  // [12-14] [15-17] [18-20] roll: 12 dirty of 21, ratio 0.57
        }
        assertThat(cleaner.cleanOnce()).isFalse();
        put(log, "x", "1", T);
        put(log, "y", "1", T);
        put(log, "z", "1", T);      // [21-23] rolls: 15 dirty of 24, ratio 0.625
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(table(entries(log))).hasSize(12);
    }

    @Test
    void maxCompactionLagForcesCleaningBelowTheRatio() {
        PartitionLog log = open(Map.of(LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.99",
                LogConfig.MAX_COMPACTION_LAG_MS, "60000"));
        LogCleaner cleaner = cleaner();
        long later = T + 30_000;
        put(log, "a", "1", T);
        put(log, "b", "1", T);
        put(log, "c", "1", T);
        put(log, "d", "1", later);  // 3: rolls [0-2]
        assertThat(cleaner.cleanOnce()).isTrue();   // everything is dirty: ratio 1 > 0.99
        put(log, "a", "2", later);
        put(log, "b", "2", later);
        put(log, "c", "2", later);  // 6: rolls [3-5], whose first batch is stamped T + 30 s; ratio 3/6

        time.set(later);
        assertThat(cleaner.cleanOnce()).isFalse();
        time.set(later + 60_000);
        assertThat(cleaner.cleanOnce()).isFalse();  // the dirty segment's first batch is exactly 60 s old
        time.set(later + 60_001);
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(2L, 3L, 4L, 5L, 6L);
        assertThat(table(entries(log))).containsExactly(Map.entry("c", "2"), Map.entry("d", "1"),
                Map.entry("a", "2"), Map.entry("b", "2"));
    }

    @Test
    void aLogWithManyMoreKeysThanTheMapConvergesOverPasses() {
        PartitionLog log = open(Map.of(LogConfig.SEGMENT_BYTES, String.valueOf(256 * 1024),
                LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0"));
        // 1112 slots at 24 bytes each: at a load factor of 0.9 a pass maps 1,000 keys.
        LogCleaner cleaner = cleaner(1112 * OffsetMap.BYTES_PER_ENTRY);
        int keys = 20_000;
        for (int round = 0; round < 2; round++) {
            for (int from = 0; from < keys; from += 50) {
                var kv = new String[100];
                for (int i = 0; i < 50; i++) {
                    kv[2 * i] = String.format("key-%05d", from + i);
                    kv[2 * i + 1] = "round-" + round;
                }
                CleanerTestLog.putAll(log, T, kv);
            }
        }
        List<Entry> before = entries(log);
        long activeBase = log.activeSegment().baseOffset();

        int passes = 0;
        while (cleaner.cleanOnce()) {
            passes++;
            assertThat(passes).isLessThan(100);
        }

        // Each pass maps at most 1,000 keys of the dirty range, so the 40,000 records below the active
        // segment take about 40 passes; at the end every cleanable key is there once, at its latest offset.
        assertThat(passes).isGreaterThanOrEqualTo((int) (activeBase / 1000));
        var latestBelowActive = new HashMap<String, Long>();
        for (Entry entry : before) {
            if (entry.offset() < activeBase) {
                latestBelowActive.put(entry.key(), entry.offset());
            }
        }
        List<Entry> expected = before.stream().filter(entry -> entry.offset() >= activeBase
                || latestBelowActive.get(entry.key()) == entry.offset()).toList();
        assertThat(entries(log)).isEqualTo(expected);
        assertThat(table(entries(log))).isEqualTo(table(before));
    }

    @Test
    void theCheckpointCarriesTheFirstDirtyOffsetAcrossRestarts() {
        PartitionLog log = open(Map.of());
        for (String key : List.of("a", "b", "c", "a", "b", "c", "a")) {
            put(log, key, "1", T);
        }
        assertThat(cleaner().cleanOnce()).isTrue();

        assertThat(Files.exists(logDir.resolve(LogCleaner.CHECKPOINT))).isTrue();
        LogCleaner restarted = cleaner();
        assertThat(restarted.firstDirtyOffset(TestBatches.PARTITION, logDir)).isEqualTo(6);
        assertThat(restarted.cleanOnce()).isFalse();
    }

    @Test
    void compactAndDeleteAlsoAppliesRetention() {
        PartitionLog log = open(Map.of(LogConfig.CLEANUP_POLICY, "compact,delete", LogConfig.RETENTION_MS, "60000"));
        put(log, "a", "1", T - 120_000);
        put(log, "b", "1", T - 120_000);
        put(log, "c", "1", T - 120_000);    // [0-2] expired
        put(log, "a", "2", T);
        put(log, "a", "3", T);
        put(log, "b", "2", T);              // [3-5]
        put(log, "d", "1", T);              // active

        assertThat(log.applyRetention(T)).isEqualTo(1);
        assertThat(log.logStartOffset()).isEqualTo(3);
        assertThat(cleaner().cleanOnce()).isTrue();

        assertThat(entries(log)).containsExactly(new Entry(4, "a", "3"), new Entry(5, "b", "2"),
                new Entry(6, "d", "1"));
    }

    @Test
    void theLastBatchOfAnIdempotentProducerIsKeptEmptyWithItsProducerFields() {
        PartitionLog log = open(Map.of());
        long producerId = 42;
        TestBatches.append(log, MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 3, 7,
                new SimpleRecord(T, "a".getBytes(), "1".getBytes())), T);                       // 0
        put(log, "a", "2", T);                                                                  // 1
        put(log, "b", "1", T);                                                                  // 2
        put(log, "c", "1", T);                                                                  // 3 active
        // What the partition's producer state reports: the producer's newest batch ends at offset 0.
        log.producerBatchesToKeep(() -> Set.of(0L));

        assertThat(cleaner().cleanOnce()).isTrue();

        RecordBatch first = CleanerTestLog.batches(log).get(0);
        assertThat(first.baseOffset()).isZero();
        assertThat(first.lastOffset()).isZero();
        assertThat(first.countOrNull()).isZero();
        assertThat(first.producerId()).isEqualTo(producerId);
        assertThat(first.producerEpoch()).isEqualTo((short) 3);
        assertThat(first.baseSequence()).isEqualTo(7);
        assertThat(entries(log)).extracting(Entry::offset).containsExactly(1L, 2L, 3L);
    }
}
