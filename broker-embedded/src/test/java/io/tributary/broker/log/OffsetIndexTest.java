package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetIndexTest {
    @TempDir
    Path dir;

    private OffsetIndex index(long baseOffset) {
        return new OffsetIndex(dir.resolve(LogSegment.fileName(baseOffset, ".index")), baseOffset, 1024);
    }

    @Test
    void lookupReturnsPositionOfLargestEntryAtOrBelowTarget() {
        OffsetIndex index = index(100);
        index.append(110, 500);
        index.append(120, 1000);
        index.append(130, 1500);

        assertThat(index.lookup(99)).isZero();
        assertThat(index.lookup(100)).isZero();
        assertThat(index.lookup(109)).isZero();
        assertThat(index.lookup(110)).isEqualTo(500);
        assertThat(index.lookup(119)).isEqualTo(500);
        assertThat(index.lookup(120)).isEqualTo(1000);
        assertThat(index.lookup(130)).isEqualTo(1500);
        assertThat(index.lookup(Long.MAX_VALUE)).isEqualTo(1500);
    }

    @Test
    void emptyIndexLooksUpToTheSegmentStart() {
        assertThat(index(0).lookup(42)).isZero();
    }

    @Test
    void entriesThatDoNotGrowAreIgnored() {
        OffsetIndex index = index(0);
        index.append(10, 100);
        index.append(10, 200);
        index.append(20, 100);
        index.append(5, 300);

        assertThat(index.entries()).isEqualTo(1);
        assertThat(index.lastOffset()).isEqualTo(10);
    }

    @Test
    void truncateRemovesEntriesAtAndAboveTheOffset() throws Exception {
        OffsetIndex index = index(0);
        index.append(10, 100);
        index.append(20, 200);
        index.append(30, 300);
        index.flush();

        index.truncateTo(20);

        assertThat(index.entries()).isEqualTo(1);
        assertThat(index.lookup(25)).isEqualTo(100);
        assertThat(Files.size(index.file())).isEqualTo(OffsetIndex.ENTRY_BYTES);
        index.append(21, 210);
        assertThat(index.lookup(25)).isEqualTo(210);
    }

    @Test
    void flushedEntriesLoadBack() throws Exception {
        OffsetIndex written = index(1000);
        written.append(1005, 64);
        written.append(1012, 4160);
        written.flush();
        written.append(1020, 8300);
        written.flush();

        OffsetIndex loaded = index(1000);
        assertThat(loaded.load(10_000)).isTrue();

        assertThat(loaded.entries()).isEqualTo(3);
        assertThat(loaded.lookup(1011)).isEqualTo(64);
        assertThat(loaded.lookup(1012)).isEqualTo(4160);
        assertThat(loaded.lookup(2000)).isEqualTo(8300);
    }

    @Test
    void indexPointingPastTheSegmentIsRejectedOnLoad() throws Exception {
        OffsetIndex written = index(0);
        written.append(5, 64);
        written.append(9, 5000);
        written.flush();

        assertThat(index(0).load(4096)).isFalse();
    }

    @Test
    void tornIndexFileIsRejectedOnLoad() throws Exception {
        OffsetIndex written = index(0);
        written.append(5, 64);
        written.flush();
        Files.write(index(0).file(), new byte[] {0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);

        assertThat(index(0).load(4096)).isFalse();
        assertThat(index(0).load(4096)).isFalse();
    }

    @Test
    void missingIndexFileIsRejectedOnLoad() throws Exception {
        assertThat(index(0).load(4096)).isFalse();
    }

    @Test
    void indexIsFullAtSegmentIndexBytes() {
        OffsetIndex index = new OffsetIndex(dir.resolve("small.index"), 0, 3 * OffsetIndex.ENTRY_BYTES);
        index.append(1, 10);
        index.append(2, 20);
        assertThat(index.isFull()).isFalse();
        index.append(3, 30);
        assertThat(index.isFull()).isTrue();
    }
}
