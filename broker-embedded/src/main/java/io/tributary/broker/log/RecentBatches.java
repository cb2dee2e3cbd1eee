package io.tributary.broker.log;

import java.util.Arrays;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Where the last few batches appended to a segment start, so reading at one of them needs no file reads. Followers
 * and tailing consumers fetch from the offset their previous fetch ended at, which is the start of a batch appended
 * moments ago; finding it through the offset index means reading the headers of every batch since the index's last
 * entry (up to index.interval.bytes of them, two reads each), and with small batches that was most of a leader's
 * system calls.
 *
 * <p>One thread appends (the segment's appender, under the log's lock); any thread looks up. An entry is immutable
 * and published by the write of {@code count}, so a reader sees either a whole entry or none; one it sees after the
 * slot was reused still describes a batch of this segment, unless the segment was truncated, which
 * {@link #clear()} handles and the reader checks against the file's size.
 */
final class RecentBatches {
    private static final int SLOTS = 32;

    private record Entry(long baseOffset, long lastOffset, int position, int size) {
    }

    private final Entry[] slots = new Entry[SLOTS];
    private volatile long count;

    /** Records a batch written at {@code position}. */
    void add(RecordBatch batch, int position) {
        long n = count;
        slots[(int) (n % SLOTS)] = new Entry(batch.baseOffset(), batch.lastOffset(), position, batch.sizeInBytes());
        count = n + 1;
    }

    /** Forgets every batch: the segment was truncated or rewritten. */
    void clear() {
        Arrays.fill(slots, null);
        count = 0;
    }

    /**
     * The batch holding {@code offset} among the recent ones, as {@link FileRecords#searchForOffsetFromPosition} would
     * give it, if it lies below {@code fileSize}; null when none of them holds it.
     */
    FileRecords.LogOffsetPosition find(long offset, int fileSize) {
        long n = count;
        for (long k = n - 1; k >= 0 && k >= n - SLOTS; k--) {
            Entry e = slots[(int) (k % SLOTS)];
            if (e == null) {
                return null;
            }
            if (offset > e.lastOffset()) {
                return null;
            }
            if (offset >= e.baseOffset()) {
                return e.position() + e.size() <= fileSize
                        ? new FileRecords.LogOffsetPosition(e.baseOffset(), e.position(), e.size()) : null;
            }
        }
        return null;
    }
}
