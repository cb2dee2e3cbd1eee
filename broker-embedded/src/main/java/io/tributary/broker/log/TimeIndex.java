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
 * A sparse map from timestamp to offset inside one segment, {@code <baseOffset>.timeindex} on disk.
 *
 * <pre>
 * entry (12 bytes, big-endian): | max timestamp so far (int64) | relative offset (int32) |
 * </pre>
 *
 * <p>An entry says "no batch before this offset has a timestamp above this one": both fields strictly increase.
 * Same memory/file contract as {@link OffsetIndex}.
 */
final class TimeIndex {
    static final int ENTRY_BYTES = 12;

    /** Changes only by {@link #renameTo}; file writes and renames are serialized on this index. */
    private Path file;
    private final long baseOffset;
    private volatile long[] timestamps = new long[16];
    private volatile int[] relativeOffsets = new int[16];
    private volatile int count;
    private int persistedCount;

    TimeIndex(Path file, long baseOffset) {
        this.file = file;
        this.baseOffset = baseOffset;
    }

    boolean load() throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % ENTRY_BYTES != 0) {
            return false;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int entries = bytes.length / ENTRY_BYTES;
        long[] ts = new long[Math.max(16, entries)];
        int[] offsets = new int[Math.max(16, entries)];
        for (int i = 0; i < entries; i++) {
            ts[i] = buffer.getLong();
            offsets[i] = buffer.getInt();
            if (i > 0 && (ts[i] <= ts[i - 1] || offsets[i] <= offsets[i - 1])) {
                return false;
            }
        }
        timestamps = ts;
        relativeOffsets = offsets;
        count = entries;
        persistedCount = entries;
        return true;
    }

    int entries() {
        return count;
    }

    long lastTimestamp() {
        return count == 0 ? -1 : timestamps[count - 1];
    }

    void maybeAppend(long timestamp, long offset) {
        int n = count;
        if (n > 0 && (timestamp <= timestamps[n - 1] || offset - baseOffset <= relativeOffsets[n - 1])) {
            return;
        }
        if (n == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, n * 2);
            relativeOffsets = Arrays.copyOf(relativeOffsets, n * 2);
        }
        timestamps[n] = timestamp;
        relativeOffsets[n] = (int) (offset - baseOffset);
        count = n + 1;
    }

    /**
     * The offset to start scanning from for the first record with a timestamp at or above {@code target}: the
     * offset of the last entry whose timestamp is below the target (every earlier record is older), or the base.
     */
    long lookup(long target) {
        int n = count;
        long[] ts = timestamps;
        int[] offsets = relativeOffsets;
        int low = 0;
        int high = n - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (ts[mid] < target) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? baseOffset : baseOffset + offsets[found];
    }

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

    synchronized void flush() throws IOException {
        int n = count;
        if (n == persistedCount && Files.exists(file)) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocate((n - persistedCount) * ENTRY_BYTES);
        for (int i = persistedCount; i < n; i++) {
            buffer.putLong(timestamps[i]).putInt(relativeOffsets[i]);
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
