package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeIndexTest {
    @TempDir
    Path dir;

    private TimeIndex index(long baseOffset) {
        return new TimeIndex(dir.resolve(LogSegment.fileName(baseOffset, ".timeindex")), baseOffset, 1024);
    }

    @Test
    void lookupStartsTheScanAtTheLastEntryOlderThanTheTarget() {
        TimeIndex index = index(50);
        index.maybeAppend(1_000, 52);
        index.maybeAppend(2_000, 60);
        index.maybeAppend(3_000, 75);

        // Nothing is known to be older than 1000: scan from the segment base.
        assertThat(index.lookup(500)).isEqualTo(50);
        assertThat(index.lookup(1_000)).isEqualTo(50);
        // Every record up to offset 52 is at most 1000, so a record >= 1001 is after 52.
        assertThat(index.lookup(1_001)).isEqualTo(52);
        assertThat(index.lookup(2_000)).isEqualTo(52);
        assertThat(index.lookup(2_500)).isEqualTo(60);
        assertThat(index.lookup(9_999)).isEqualTo(75);
        assertThat(index.lastTimestamp()).isEqualTo(3_000);
    }

    @Test
    void onlyGrowingTimestampsAndOffsetsAreIndexed() {
        TimeIndex index = index(0);
        index.maybeAppend(1_000, 5);
        index.maybeAppend(900, 6);
        index.maybeAppend(1_000, 7);
        index.maybeAppend(1_100, 5);

        assertThat(index.lastTimestamp()).isEqualTo(1_000);
        assertThat(index.lookup(1_050)).isEqualTo(5);
    }

    @Test
    void truncateDropsEntriesAtAndAboveTheOffset() throws Exception {
        TimeIndex index = index(0);
        index.maybeAppend(1_000, 10);
        index.maybeAppend(2_000, 20);
        index.maybeAppend(3_000, 30);
        index.flush();

        index.truncateTo(20);

        assertThat(index.lastTimestamp()).isEqualTo(1_000);
        assertThat(index.lookup(5_000)).isEqualTo(10);
        assertThat(Files.size(index.file())).isEqualTo(TimeIndex.ENTRY_BYTES);
    }

    @Test
    void truncatingEverythingEmptiesTheIndex() throws Exception {
        TimeIndex index = index(100);
        index.maybeAppend(1_000, 100);
        index.truncateTo(100);

        assertThat(index.lastTimestamp()).isEqualTo(-1);
        assertThat(index.lookup(5_000)).isEqualTo(100);
    }

    @Test
    void flushedEntriesLoadBack() throws Exception {
        TimeIndex written = index(7);
        written.maybeAppend(1_000, 8);
        written.flush();
        written.maybeAppend(2_000, 12);
        written.flush();

        TimeIndex loaded = index(7);
        assertThat(loaded.load()).isTrue();

        assertThat(loaded.lastTimestamp()).isEqualTo(2_000);
        assertThat(loaded.lookup(1_500)).isEqualTo(8);
    }

    @Test
    void unorderedOrTornFilesAreRejectedOnLoad() throws Exception {
        Path file = index(0).file();
        var buffer = java.nio.ByteBuffer.allocate(2 * TimeIndex.ENTRY_BYTES);
        buffer.putLong(2_000).putInt(5).putLong(1_000).putInt(6);
        Files.write(file, buffer.array());
        assertThat(index(0).load()).isFalse();

        Files.write(file, new byte[TimeIndex.ENTRY_BYTES + 1]);
        assertThat(index(0).load()).isFalse();
    }
}
