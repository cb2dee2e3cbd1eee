package io.tributary.broker.log;

import static io.tributary.broker.log.CleanerTestLog.entries;
import static io.tributary.broker.log.CleanerTestLog.put;
import static io.tributary.broker.log.CleanerTestLog.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.CleanerTestLog.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash at each step of a compaction swap leaves files that opening the log turns back into a valid log with
 * every latest value. The files are the real ones: a log is cleaned once, copied ("before"), cleaned again so
 * that three small segments [0-2] [3-5] [6-8] become one cleaned segment at 0, and the crash states are built
 * from the copy plus that cleaned segment under the names a crash would leave.
 *
 * <p>The second pass empties [6-8] (its b is overwritten at 11), so the cleaned segment ends at offset 6: a swap
 * file replaces [0-2] and [3-5], and the old [6-8] stays, as in Kafka, with its obsolete b, which the b at 11
 * still overrides.
 */
class SwapRecoveryTest {
    private static final long T = 1_700_000_000_000L;
    private static final int BATCH = CleanerTestLog.keyed(T, "k", "v").sizeInBytes();
    private static final Map<String, String> CONFIG = Map.of(LogConfig.CLEANUP_POLICY, "compact",
            LogConfig.SEGMENT_BYTES, String.valueOf(3 * BATCH), LogConfig.MIN_CLEANABLE_DIRTY_RATIO, "0.1");
    private static final String BASE_0 = LogSegment.fileName(0, ".log");

    @TempDir
    Path logDir;

    private final ManualTime time = new ManualTime(T);
    private final List<PartitionLog> opened = new ArrayList<>();
    private Path before;
    private Path cleanedSegment;
    private List<Entry> beforeEntries;
    private List<Entry> afterEntries;

    @AfterEach
    void closeLogs() {
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open(Path partitionDir, long recoveryPoint) {
        PartitionLog log = PartitionLog.open(TestBatches.PARTITION, partitionDir, TestBatches.config(CONFIG),
                recoveryPoint, 0, (task, delayMs) -> task.run(), time.milliseconds());
        opened.add(log);
        return log;
    }

    private LogCleaner cleaner(PartitionLog log) {
        return new LogCleaner(new CleanerConfig(true, 1, 1024 * 1024, 0.9, 64 * 1024, Double.MAX_VALUE, 15_000),
                List.of(logDir), () -> List.of(log), time);
    }

    @BeforeEach
    void cleanTwiceKeepingTheStateBetween() throws IOException {
        Path partitionDir = logDir.resolve("t-0");
        PartitionLog log = open(partitionDir, 0);
        for (String key : List.of("a", "a", "a", "a", "a", "a", "b", "b", "b", "c")) {
            put(log, key, "v", T);
        }
        // [0-2] is emptied, [3-5] and [6-8] keep one record each (a at 5, b at 8).
        assertThat(cleaner(log).cleanOnce()).isTrue();
        put(log, "d", "v", T);
        put(log, "b", "v", T);  // 11: overwrites b at 8
        put(log, "f", "v", T);  // 12: rolls [9-11]
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L, 12L);
        log.close();
        opened.remove(log);
        before = copy(partitionDir, logDir.resolve("before"));

        log = open(partitionDir, Long.MAX_VALUE);
        beforeEntries = entries(log);
        assertThat(cleaner(log).cleanOnce()).isTrue();
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 9L, 12L);
        afterEntries = entries(log);
        log.close();
        opened.remove(log);
        cleanedSegment = partitionDir.resolve(BASE_0);
    }

    private Path crashState(String name) throws IOException {
        return copy(before, logDir.resolve(name));
    }

    /** What opening a completed swap gives: the cleaned segment's records, then the old ones from 6 on. */
    private List<Entry> swappedEntries() {
        var expected = new ArrayList<>(afterEntries.stream().filter(entry -> entry.offset() < 6).toList());
        expected.addAll(beforeEntries.stream().filter(entry -> entry.offset() >= 6).toList());
        return expected;
    }

    @Test
    void aSwapFileReplacesTheSegmentsInItsRangeAndAnEmptiedLastOneStaysConsistent() throws IOException {
        Path dir = crashState("swap");
        Files.copy(cleanedSegment, dir.resolve(BASE_0 + ".swap"));

        PartitionLog log = open(dir, 0);

        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 6L, 9L, 12L);
        assertThat(entries(log)).isEqualTo(swappedEntries());
        assertThat(table(entries(log))).isEqualTo(table(beforeEntries)).isEqualTo(table(afterEntries));
        assertThat(names(dir)).noneMatch(file -> file.endsWith(".swap") || file.endsWith(".deleted"));
    }

    @Test
    void aSwapFileWhoseOldSegmentsWerePartlyRenamedCompletesAfterACleanShutdownMarkerToo() throws IOException {
        Path dir = crashState("half-renamed");
        Files.copy(cleanedSegment, dir.resolve(BASE_0 + ".swap"));
        Files.writeString(dir.resolve(LogSegment.fileName(0, ".index.swap")), "not an index");
        Files.move(dir.resolve(BASE_0), dir.resolve(BASE_0 + ".deleted"));
        Files.move(dir.resolve(LogSegment.fileName(3, ".log")), dir.resolve(LogSegment.fileName(3, ".log.deleted")));

        PartitionLog log = open(dir, Long.MAX_VALUE);

        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 6L, 9L, 12L);
        assertThat(entries(log)).isEqualTo(swappedEntries());
        assertThat(names(dir)).noneMatch(file -> file.endsWith(".swap") || file.endsWith(".deleted"))
                .doesNotContain(LogSegment.fileName(3, ".index"), LogSegment.fileName(3, ".timeindex"));
    }

    @Test
    void cleanedFilesThatNeverReachedTheSwapAreDiscarded() throws IOException {
        Path dir = crashState("cleaned");
        Files.copy(cleanedSegment, dir.resolve(BASE_0 + ".cleaned"));
        Files.writeString(dir.resolve(LogSegment.fileName(0, ".index.cleaned")), "partial");

        PartitionLog log = open(dir, 0);

        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L, 12L);
        assertThat(entries(log)).isEqualTo(beforeEntries);
        assertThat(names(dir)).noneMatch(file -> file.endsWith(".cleaned"));
    }

    @Test
    void theRecoveredLogTakesAppendsAndCleansAgain() throws IOException {
        Path dir = crashState("swap-then-more");
        Files.copy(cleanedSegment, dir.resolve(BASE_0 + ".swap"));
        PartitionLog log = open(dir, 0);

        put(log, "a", "w", T);
        put(log, "b", "w", T);
        put(log, "g", "w", T); // 15: rolls [12-14]
        assertThat(cleaner(log).cleanOnce()).isTrue();

        assertThat(table(entries(log))).isEqualTo(Map.of("a", "w", "b", "w", "c", "v", "d", "v", "f", "v",
                "g", "w"));
        assertThat(entries(log)).extracting(Entry::offset).isSorted().doesNotHaveDuplicates();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        return to;
    }
}
