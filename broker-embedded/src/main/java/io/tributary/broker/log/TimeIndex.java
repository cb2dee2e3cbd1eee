package io.tributary.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A sparse map from timestamp to offset inside one segment, {@code <baseOffset>.timeindex} on disk.
 *
 * <pre>
 * entry (12 bytes, big-endian): | max timestamp so far (int64) | relative offset (int32) |
 * </pre>
 *
 * <p>An entry says "no record at or before this offset has a timestamp above this one": both fields strictly
 * increase. As in Kafka the segment adds one only with an offset index entry, every index.interval.bytes, so a log
 * whose every batch raises the max timestamp gets no more of them; at most segment.index.bytes of them (a full index
 * rolls the segment). Same memory/file contract as {@link OffsetIndex}.
 */
final class TimeIndex {
    static final int ENTRY_BYTES = 12;
    private static final int OFFSET = 8;

    private final long baseOffset;
    private final IndexEntries entries;

    TimeIndex(Path file, long baseOffset, int maxIndexBytes) {
        this.baseOffset = baseOffset;
        this.entries = new IndexEntries(file, ENTRY_BYTES, maxIndexBytes);
    }

    /** Takes the file as it is if it is whole and increasing; loads no entry onto the heap. */
    boolean load() throws IOException {
        var check = new IndexEntries.EntryCheck() {
            private long lastTimestamp = Long.MIN_VALUE;
            private int lastOffset = -1;

            @Override
            public boolean valid(ByteBuffer buffer, int at) {
                long timestamp = buffer.getLong(at);
                int offset = buffer.getInt(at + OFFSET);
                boolean ordered = lastOffset < 0 || (timestamp > lastTimestamp && offset > lastOffset);
                lastTimestamp = timestamp;
                lastOffset = offset;
                return ordered && offset >= 0;
            }
        };
        return entries.load(check);
    }

    boolean isFull() {
        return entries.isFull();
    }

    int entries() {
        return entries.count();
    }

    int heapBytes() {
        return entries.heapBytes();
    }

    long lastTimestamp() {
        IndexEntries.View view = entries.view();
        return view.count() == 0 ? -1 : view.longAt(view.count() - 1, 0);
    }

    /** The offset of the last entry, or the base offset when there is none. */
    long lastOffset() {
        IndexEntries.View view = entries.view();
        return view.count() == 0 ? baseOffset : baseOffset + view.intAt(view.count() - 1, OFFSET);
    }

    /** Adds an entry if both the timestamp and the offset grow. Caller is the single appender. */
    void maybeAppend(long timestamp, long offset) {
        IndexEntries.View view = entries.view();
        int n = view.count();
        if (n > 0 && (timestamp <= view.longAt(n - 1, 0) || offset - baseOffset <= view.intAt(n - 1, OFFSET))) {
            return;
        }
        entries.append(timestamp, (int) (offset - baseOffset));
    }

    /**
     * The offset to start scanning from for the first record with a timestamp at or above {@code target}: the
     * offset of the last entry whose timestamp is below the target (every earlier record is older), or the base.
     */
    long lookup(long target) {
        IndexEntries.View view = entries.view();
        int low = 0;
        int high = view.count() - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (view.longAt(mid, 0) < target) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? baseOffset : baseOffset + view.intAt(found, OFFSET);
    }

    /** Removes every entry whose offset is at or above {@code offset}. */
    void truncateTo(long offset) throws IOException {
        IndexEntries.View view = entries.view();
        long relative = offset - baseOffset;
        int n = view.count();
        while (n > 0 && view.intAt(n - 1, OFFSET) >= relative) {
            n--;
        }
        entries.truncateTo(n);
    }

    void flush() throws IOException {
        entries.flush();
    }

    /** Writes the entries added since the last write to the file without forcing it, dropping them from the heap. */
    void writeOut() throws IOException {
        entries.writeOut(false);
    }

    Path file() {
        return entries.file();
    }

    /** Moves the file (if it was ever written) and makes later flushes write to the new name. */
    void renameTo(Path target) throws IOException {
        entries.renameTo(target);
    }
}
