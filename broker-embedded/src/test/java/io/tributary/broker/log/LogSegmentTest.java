package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.offsets;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSegmentTest {
    /** An offset index entry before every batch, so lookups go through the index. */
    private static final LogConfig CONFIG = TestBatches.config(Map.of(LogConfig.INDEX_INTERVAL_BYTES, "1"));

    @TempDir
    Path dir;

    private final MemoryRecords[] batches = {
        batch(100, 1_000, 3),   // offsets 100-102
        batch(103, 2_000, 2),   // 103-104
        batch(105, 1_500, 4),   // 105-108
        batch(109, 3_000, 1),   // 109
    };
    private final long[][] offsetRanges = {{100, 102}, {103, 104}, {105, 108}, {109, 109}};
    private final long[] maxTimestamps = {1_000, 2_000, 1_500, 3_000};
    private LogSegment segment;

    @BeforeEach
    void appendFourBatches() throws Exception {
        segment = LogSegment.open(dir, 100, CONFIG, 0);
        for (int i = 0; i < batches.length; i++) {
            segment.append(offsetRanges[i][0], offsetRanges[i][1], maxTimestamps[i], MemoryRecords.readableRecords(batches[i].buffer().duplicate()));
        }
    }

    private int sizeOfFirst(int count) {
        return Arrays.stream(batches).limit(count).mapToInt(MemoryRecords::sizeInBytes).sum();
    }

    @Test
    void readStartsAtTheBatchHoldingTheOffset() {
        FileRecords all = segment.read(104, Integer.MAX_VALUE, segment.sizeInBytes(), false);
        assertThat(offsets(all)).containsExactly(103L, 104L, 105L, 106L, 107L, 108L, 109L);

        FileRecords fromBase = segment.read(105, Integer.MAX_VALUE, segment.sizeInBytes(), false);
        assertThat(offsets(fromBase)).first().isEqualTo(105L);
    }

    @Test
    void readReturnsOneWholeBatchWhenMaxBytesIsSmallerAndMinOneBatchIsAsked() {
        FileRecords oneBatch = segment.read(105, 1, segment.sizeInBytes(), true);

        assertThat(oneBatch.sizeInBytes()).isEqualTo(batches[2].sizeInBytes());
        assertThat(offsets(oneBatch)).containsExactly(105L, 106L, 107L, 108L);
    }

    @Test
    void readReturnsNothingWhenTheFirstBatchDoesNotFitAndMinOneBatchIsNotAsked() {
        FileRecords nothing = segment.read(105, batches[2].sizeInBytes() - 1, segment.sizeInBytes(), false);

        assertThat(nothing.sizeInBytes()).isZero();
        assertThat(offsets(segment.read(105, batches[2].sizeInBytes(), segment.sizeInBytes(), false)))
                .containsExactly(105L, 106L, 107L, 108L);
    }

    @Test
    void readStopsAtMaxPosition() {
        FileRecords bounded = segment.read(100, Integer.MAX_VALUE, sizeOfFirst(2), true);

        assertThat(offsets(bounded)).containsExactly(100L, 101L, 102L, 103L, 104L);
        assertThat(segment.read(105, Integer.MAX_VALUE, sizeOfFirst(2), true)).isNull();
    }

    @Test
    void readPastTheLastBatchFindsNothing() {
        assertThat(segment.read(110, Integer.MAX_VALUE, segment.sizeInBytes(), true)).isNull();
    }

    @Test
    void findOffsetByTimestampReturnsTheFirstRecordAtOrAboveTheTarget() {
        assertThat(segment.findOffsetByTimestamp(0, 100).offset).isEqualTo(100);
        assertThat(segment.findOffsetByTimestamp(1_000, 100).offset).isEqualTo(100);
        // 103 (2000) comes before 105 (1500): the first offset at or above 1500 is 103.
        FileRecords.TimestampAndOffset found = segment.findOffsetByTimestamp(1_500, 100);
        assertThat(found.offset).isEqualTo(103);
        assertThat(found.timestamp).isEqualTo(2_000);
        assertThat(segment.findOffsetByTimestamp(2_001, 100).offset).isEqualTo(109);
        assertThat(segment.findOffsetByTimestamp(3_001, 100)).isNull();
    }

    @Test
    void findOffsetByTimestampSkipsOffsetsBelowTheStartingOffset() {
        assertThat(segment.findOffsetByTimestamp(0, 102).offset).isEqualTo(102);
    }

    @Test
    void recoveryTruncatesATornTailAndRebuildsTheIndexes() throws Exception {
        segment.flush();
        segment.close();
        int intactBytes = segment.sizeInBytes();
        // A crash in the middle of writing a fifth batch: only its first half reached the file.
        MemoryRecords fifth = batch(110, 4_000, 5);
        byte[] half = new byte[fifth.sizeInBytes() / 2];
        fifth.buffer().duplicate().get(half);
        Path logFile = dir.resolve(LogSegment.fileName(100, ".log"));
        Files.write(logFile, half, StandardOpenOption.APPEND);
        Files.delete(dir.resolve(LogSegment.fileName(100, ".index")));
        Files.write(dir.resolve(LogSegment.fileName(100, ".timeindex")), new byte[] {1, 2, 3});

        LogSegment reopened = LogSegment.open(dir, 100, CONFIG, 0);
        long nextOffset = reopened.recover(100);

        assertThat(nextOffset).isEqualTo(110);
        assertThat(reopened.sizeInBytes()).isEqualTo(intactBytes);
        assertThat(Files.size(logFile)).isEqualTo(intactBytes);
        assertThat(reopened.maxTimestamp()).isEqualTo(3_000);
        assertThat(reopened.translateOffset(105).position).isEqualTo(sizeOfFirst(2));
        assertThat(reopened.findOffsetByTimestamp(2_500, 100).offset).isEqualTo(109);
        assertThat(offsets(reopened.read(109, Integer.MAX_VALUE, reopened.sizeInBytes(), true)))
                .containsExactly(109L);

        // The rebuilt indexes are what the next clean start loads.
        reopened.flush();
        reopened.close();
        LogSegment loaded = LogSegment.open(dir, 100, CONFIG, 0);
        assertThat(loaded.loadIndexes()).isTrue();
        assertThat(loaded.readNextOffset()).isEqualTo(110);
        assertThat(loaded.maxTimestamp()).isEqualTo(3_000);
        assertThat(loaded.translateOffset(109).position).isEqualTo(sizeOfFirst(3));
    }

    @Test
    void recoveryStopsAtTheFirstBatchWithABadChecksum() throws Exception {
        segment.flush();
        segment.close();
        Path logFile = dir.resolve(LogSegment.fileName(100, ".log"));
        try (var file = new RandomAccessFile(logFile.toFile(), "rw")) {
            long inThirdBatch = sizeOfFirst(2) + batches[2].sizeInBytes() - 3;
            file.seek(inThirdBatch);
            int b = file.read();
            file.seek(inThirdBatch);
            file.write(b ^ 0xFF);
        }

        LogSegment reopened = LogSegment.open(dir, 100, CONFIG, 0);
        long nextOffset = reopened.recover(100);

        assertThat(nextOffset).isEqualTo(105);
        assertThat(reopened.sizeInBytes()).isEqualTo(sizeOfFirst(2));
        assertThat(reopened.maxTimestamp()).isEqualTo(2_000);
    }

    @Test
    void recoveryReadsBatchesLargerThanItsChunkAndVisitsEveryBatchInOrder() throws Exception {
        byte[] big = new byte[LogSegment.RECOVERY_CHUNK_BYTES + 1024];
        MemoryRecords huge = MemoryRecords.withRecords(110, Compression.NONE, new SimpleRecord(4_000, null, big));
        segment.append(110, 110, 4_000, huge);
        MemoryRecords after = batch(111, 5_000, 2);
        segment.append(111, 112, 5_000, after);
        int size = segment.sizeInBytes();
        var visited = new ArrayList<Long>();

        long next = segment.recover(100, b -> visited.add(b.baseOffset()));

        assertThat(next).isEqualTo(113);
        assertThat(segment.sizeInBytes()).isEqualTo(size);
        assertThat(visited).containsExactly(100L, 103L, 105L, 109L, 110L, 111L);
        assertThat(offsets(segment.read(111, Integer.MAX_VALUE, segment.sizeInBytes(), false)))
                .containsExactly(111L, 112L);
    }

    @Test
    void recoveryOfAnEmptySegmentFindsNoOffset() throws Exception {
        LogSegment empty = LogSegment.open(dir, 500, CONFIG, 0);
        assertThat(empty.recover(500)).isEqualTo(-1);
        assertThat(empty.sizeInBytes()).isZero();
    }

    @Test
    void truncateRemovesTheBatchHoldingTheOffsetAndEverythingAfter() throws Exception {
        int removed = segment.truncateTo(106);

        assertThat(removed).isEqualTo(batches[2].sizeInBytes() + batches[3].sizeInBytes());
        assertThat(segment.sizeInBytes()).isEqualTo(sizeOfFirst(2));
        assertThat(segment.translateOffset(105)).isNull();
        assertThat(segment.maxTimestamp()).isEqualTo(2_000);
        assertThat(segment.findOffsetByTimestamp(2_500, 100)).isNull();

        segment.append(105, 105, 2_500, batch(105, 2_500, 1));
        assertThat(segment.findOffsetByTimestamp(2_500, 100).offset).isEqualTo(105);
        assertThat(segment.maxTimestamp()).isEqualTo(2_500);
    }

    @Test
    void theBatchesAppendedLastAreFoundWhereTheIndexAndTheFileSayTheyAre() throws Exception {
        assertFindsEveryOffsetAsAFreshlyOpenedSegmentDoes(95, 111);
    }

    @Test
    void batchesOlderThanTheRecentOnesAreStillFoundThroughTheIndex() throws Exception {
        for (long offset = 110; offset < 150; offset++) {
            segment.append(offset, offset, 4_000, batch(offset, 4_000, 1));
        }
        assertFindsEveryOffsetAsAFreshlyOpenedSegmentDoes(95, 151);
        assertThat(offsets(segment.read(104, Integer.MAX_VALUE, segment.sizeInBytes(), false))).first().isEqualTo(103L);
    }

    @Test
    void afterATruncationTheBatchesWrittenInsteadAreTheOnesFound() throws Exception {
        segment.truncateTo(103);
        segment.append(103, 108, 5_000, batch(103, 5_000, 6));

        assertFindsEveryOffsetAsAFreshlyOpenedSegmentDoes(95, 110);
        assertThat(offsets(segment.read(105, Integer.MAX_VALUE, segment.sizeInBytes(), false)))
                .containsExactly(103L, 104L, 105L, 106L, 107L, 108L);
    }

    /** A segment opened from the files knows no recent batches: it searches from the index, as before they existed. */
    private void assertFindsEveryOffsetAsAFreshlyOpenedSegmentDoes(long from, long to) throws Exception {
        segment.flush();
        LogSegment reopened = LogSegment.open(dir, 100, CONFIG, 0);
        try {
            for (long offset = from; offset <= to; offset++) {
                FileRecords.LogOffsetPosition expected = reopened.translateOffset(offset);
                FileRecords.LogOffsetPosition actual = segment.translateOffset(offset);
                assertThat(actual).as("offset %d", offset).isEqualTo(expected);
            }
        } finally {
            reopened.closeHandlers();
        }
    }

    @Test
    void segmentMsIsMeasuredFromTheFirstBatchTimestampToTheIncomingOne() {
        // Whatever the broker's clock says: the first batch is stamped 1,000.
        assertThat(segment.timeWaitedForRollMs(0, 4_000)).isEqualTo(3_000);
        assertThat(segment.timeWaitedForRollMs(Long.MAX_VALUE, 4_000)).isEqualTo(3_000);
    }
}
