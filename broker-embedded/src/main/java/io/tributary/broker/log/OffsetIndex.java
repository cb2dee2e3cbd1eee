package io.tributary.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A sparse map from offset to file position inside one segment, {@code <baseOffset>.index} on disk.
 *
 * <pre>
 * entry (8 bytes, big-endian): | relative offset (int32) | position in .log (int32) |
 * </pre>
 *
 * <p>Entries are strictly increasing in both fields, at most one per index.interval.bytes of log and at most
 * segment.index.bytes of them (a full index rolls the segment). Flushed entries are read through a memory map,
 * unflushed ones from the heap ({@link IndexEntries}). The file is only trusted on load when the segment is below
 * the recovery point, otherwise the segment rebuilds it by scanning. Lookups may run concurrently with the single
 * appending thread.
 */
final class OffsetIndex {
    static final int ENTRY_BYTES = 8;
    private static final int POSITION = 4;

    private final long baseOffset;
    private final IndexEntries entries;

    OffsetIndex(Path file, long baseOffset, int maxIndexBytes) {
        this.baseOffset = baseOffset;
        this.entries = new IndexEntries(file, ENTRY_BYTES, maxIndexBytes);
    }

    /**
     * Takes the index file as it is; returns false (and stays empty) if it is missing or not a valid index: torn,
     * not increasing, or pointing at or past {@code segmentBytes}. Loads no entry onto the heap.
     */
    boolean load(int segmentBytes) throws IOException {
        var check = new IndexEntries.EntryCheck() {
            private int lastOffset = -1;
            private int lastPosition = -1;

            @Override
            public boolean valid(ByteBuffer buffer, int at) {
                int offset = buffer.getInt(at);
                int position = buffer.getInt(at + POSITION);
                boolean ordered = lastOffset < 0 || (offset > lastOffset && position > lastPosition);
                lastOffset = offset;
                lastPosition = position;
                return ordered && offset >= 0 && position >= 0 && position < segmentBytes;
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

    long lastOffset() {
        IndexEntries.View view = entries.view();
        return view.count() == 0 ? baseOffset : baseOffset + view.intAt(view.count() - 1, 0);
    }

    /** Adds an entry; offsets and positions must grow (others are ignored). Caller is the single appender. */
    void append(long offset, int position) {
        IndexEntries.View view = entries.view();
        int n = view.count();
        if (n > 0 && (offset - baseOffset <= view.intAt(n - 1, 0) || position <= view.intAt(n - 1, POSITION))) {
            return;
        }
        entries.append((int) (offset - baseOffset), position);
    }

    /** The position of the largest indexed offset at or below {@code targetOffset}, or 0. */
    int lookup(long targetOffset) {
        IndexEntries.View view = entries.view();
        int found = floor(view, targetOffset - baseOffset);
        return found < 0 ? 0 : view.intAt(found, POSITION);
    }

    /** The last entry whose relative offset is at or below {@code relative}, or -1. */
    private static int floor(IndexEntries.View view, long relative) {
        int low = 0;
        int high = view.count() - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (view.intAt(mid, 0) <= relative) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    /** Removes every entry whose offset is at or above {@code offset}. */
    void truncateTo(long offset) throws IOException {
        entries.truncateTo(floor(entries.view(), offset - baseOffset - 1) + 1);
    }

    void reset() throws IOException {
        truncateTo(baseOffset);
    }

    /** Writes the entries added since the last flush to the file and forces it to disk. */
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
