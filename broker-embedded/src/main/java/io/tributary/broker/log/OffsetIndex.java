package io.tributary.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A sparse map from offset to file position inside one segment, {@code <baseOffset>.index} on disk.
 *
 * <pre>
 * entry (8 bytes, big-endian): | relative offset (int32) | position in .log (int32) |
 * </pre>
 *
 * <p>Entries are strictly increasing in both fields. The index lives in memory and is written through to its file
 * on {@link #flush()}; the file is only trusted on load when the segment is below the recovery point, otherwise
 * the segment rebuilds it by scanning. Lookups may run concurrently with the single appending thread: readers see
 * a consistent prefix because {@code count} is published after the arrays are written.
 */
final class OffsetIndex {
    static final int ENTRY_BYTES = 8;

    /** Changes only by {@link #renameTo}; file writes and renames are serialized on this index. */
    private Path file;
    private final long baseOffset;
    private final int maxEntries;
    private volatile int[] relativeOffsets;
    private volatile int[] positions;
    private volatile int count;
    private int persistedCount;

    OffsetIndex(Path file, long baseOffset, int maxIndexBytes) {
        this.file = file;
        this.baseOffset = baseOffset;
        this.maxEntries = Math.max(1, maxIndexBytes / ENTRY_BYTES);
        this.relativeOffsets = new int[16];
        this.positions = new int[16];
    }

    /** Loads the index file; returns false (and stays empty) if it is missing or not a valid index. */
    boolean load(int segmentBytes) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % ENTRY_BYTES != 0) {
            return false;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int entries = bytes.length / ENTRY_BYTES;
        int[] offsets = new int[Math.max(16, entries)];
        int[] pos = new int[Math.max(16, entries)];
        for (int i = 0; i < entries; i++) {
            offsets[i] = buffer.getInt();
            pos[i] = buffer.getInt();
            boolean ordered = i == 0 || (offsets[i] > offsets[i - 1] && pos[i] > pos[i - 1]);
            if (!ordered || offsets[i] < 0 || pos[i] < 0 || pos[i] >= segmentBytes) {
                return false;
            }
        }
        this.relativeOffsets = offsets;
        this.positions = pos;
        this.count = entries;
        this.persistedCount = entries;
        return true;
    }

    boolean isFull() {
        return count >= maxEntries;
    }

    int entries() {
        return count;
    }

    long lastOffset() {
        return count == 0 ? baseOffset : baseOffset + relativeOffsets[count - 1];
    }

    /** Adds an entry; offsets and positions must grow. Caller is the single appender. */
    void append(long offset, int position) {
        int n = count;
        if (n > 0 && (offset - baseOffset <= relativeOffsets[n - 1] || position <= positions[n - 1])) {
            return;
        }
        if (n == relativeOffsets.length) {
            int newLength = Math.min(Math.max(16, n * 2), Math.max(maxEntries, n + 1));
            relativeOffsets = Arrays.copyOf(relativeOffsets, newLength);
            positions = Arrays.copyOf(positions, newLength);
        }
        relativeOffsets[n] = (int) (offset - baseOffset);
        positions[n] = position;
        count = n + 1;
    }

    /** The position of the largest indexed offset at or below {@code targetOffset}, or 0. */
    int lookup(long targetOffset) {
        int n = count;
        int[] offsets = relativeOffsets;
        int[] pos = positions;
        long relative = targetOffset - baseOffset;
        int low = 0;
        int high = n - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (offsets[mid] <= relative) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? 0 : pos[found];
    }

    /** Removes every entry whose offset is at or above {@code offset}. */
    synchronized void truncateTo(long offset) throws IOException {
        long relative = offset - baseOffset;
        int n = count;
        while (n > 0 && relativeOffsets[n - 1] >= relative) {
            n--;
        }
        count = n;
        if (persistedCount > n) {
            persistedCount = n;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
                channel.truncate((long) n * ENTRY_BYTES);
            }
        }
    }

    void reset() throws IOException {
        truncateTo(baseOffset);
    }

    /** Writes the entries added since the last flush to the file and forces it to disk. */
    synchronized void flush() throws IOException {
        int n = count;
        if (n == persistedCount && Files.exists(file)) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocate((n - persistedCount) * ENTRY_BYTES);
        for (int i = persistedCount; i < n; i++) {
            buffer.putInt(relativeOffsets[i]).putInt(positions[i]);
        }
        buffer.flip();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            channel.truncate((long) persistedCount * ENTRY_BYTES);
            long position = (long) persistedCount * ENTRY_BYTES;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            channel.force(true);
        }
        persistedCount = n;
    }

    synchronized Path file() {
        return file;
    }

    /** Moves the file (if it was ever written) and makes later flushes write to the new name. */
    synchronized void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }
}
