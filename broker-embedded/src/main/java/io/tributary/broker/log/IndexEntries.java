package io.tributary.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.apache.kafka.common.errors.KafkaStorageException;

/**
 * The fixed-size entries of one index file ({@link OffsetIndex}, {@link TimeIndex}), kept so that heap does not grow
 * with retained data: entries already in the file are read through a read-only memory map made on first lookup,
 * and only the entries appended since the last {@link #flush()} are on the heap. A rolled segment is flushed, so it
 * holds none; a segment loaded at open holds none until it is appended to.
 *
 * <pre>
 * entry i:  i &lt; fileEntries ? file (mapped, off-heap) : tail[i - fileEntries] (heap, same encoding)
 * file:     | entry 0 | entry 1 | ... | entry fileEntries-1 |    exactly fileEntries * entryBytes, no preallocation
 * </pre>
 *
 * <p>Writers (append, flush, truncate, load, rename) are serialized on this object. Readers take a {@link View}
 * without locking: {@code count} is published after an entry is written, and a {@link Layout} is replaced, never
 * changed, except for tail slots at or above {@code count}. The file is only ever extended in place; truncation
 * writes a shorter copy and moves it over the old name, so a map a reader still holds never loses its pages (a
 * truncated mapped file would fault on access).
 */
final class IndexEntries {
    private static final ByteBuffer NO_TAIL = ByteBuffer.allocate(0);
    private static final int LOAD_CHUNK_BYTES = 64 * 1024;

    /** Which entries are in the file and which (from {@code fileEntries} on) are in {@code tail}. */
    private record Layout(int fileEntries, ByteBuffer tail) {
    }

    /** A consistent prefix of the entries, for one lookup. */
    record View(int count, int fileEntries, ByteBuffer mapped, ByteBuffer tail, int entryBytes) {
        int intAt(int entry, int field) {
            return entry < fileEntries
                    ? mapped.getInt(entry * entryBytes + field)
                    : tail.getInt((entry - fileEntries) * entryBytes + field);
        }

        long longAt(int entry, int field) {
            return entry < fileEntries
                    ? mapped.getLong(entry * entryBytes + field)
                    : tail.getLong((entry - fileEntries) * entryBytes + field);
        }
    }

    /** Checks one entry of a file being loaded, in order; keeps whatever it needs of the previous one. */
    interface EntryCheck {
        boolean valid(ByteBuffer buffer, int at);
    }

    private final int entryBytes;
    private final int maxEntries;
    /** Changes only by {@link #renameTo}. */
    private Path file;
    private volatile Layout layout = new Layout(0, NO_TAIL);
    private volatile int count;
    /** A read-only map of at least the file's first entries, made by the first lookup that needs it; or null. */
    private volatile ByteBuffer mapped;

    IndexEntries(Path file, int entryBytes, int maxIndexBytes) {
        this.file = file;
        this.entryBytes = entryBytes;
        this.maxEntries = Math.max(1, maxIndexBytes / entryBytes);
    }

    int count() {
        return count;
    }

    boolean isFull() {
        return count >= maxEntries;
    }

    /** Heap held for entries: the tail's capacity (mapped entries are in the page cache, not the heap). */
    int heapBytes() {
        return layout.tail().capacity();
    }

    View view() {
        int n = count;
        Layout current = layout;
        int fileEntries = current.fileEntries();
        ByteBuffer map = null;
        if (fileEntries > 0) {
            map = mapping(fileEntries);
            if (map.capacity() < fileEntries * entryBytes) {
                // Only while racing a truncation: see no further than the map does.
                fileEntries = map.capacity() / entryBytes;
                n = Math.min(n, fileEntries);
            }
        }
        n = Math.min(n, fileEntries + current.tail().capacity() / entryBytes);
        return new View(n, fileEntries, map, current.tail(), entryBytes);
    }

    private ByteBuffer mapping(int entries) {
        ByteBuffer map = mapped;
        return map != null && map.capacity() >= entries * entryBytes ? map : map();
    }

    private synchronized ByteBuffer map() {
        int fileEntries = layout.fileEntries();
        ByteBuffer map = mapped;
        if (map != null && map.capacity() >= fileEntries * entryBytes) {
            return map;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            // Exactly the entries the layout says are in the file: a flush never truncates below a map.
            long bytes = Math.min(channel.size() / entryBytes, fileEntries) * entryBytes;
            map = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes);
        } catch (IOException e) {
            throw new KafkaStorageException("Cannot map index " + file + ": " + e.getMessage(), e);
        }
        mapped = map;
        return map;
    }

    synchronized void append(int first, int second) {
        int at = reserve();
        layout.tail().putInt(at, first).putInt(at + 4, second);
        count++;
    }

    synchronized void append(long first, int second) {
        int at = reserve();
        layout.tail().putLong(at, first).putInt(at + 8, second);
        count++;
    }

    /** Makes room in the tail for one more entry; returns where it goes. */
    private int reserve() {
        Layout current = layout;
        int used = count - current.fileEntries();
        ByteBuffer tail = current.tail();
        if ((used + 1) * entryBytes > tail.capacity()) {
            // Doubling, up to what the index may still take (past it only when a caller ignores isFull).
            int room = Math.max(maxEntries - current.fileEntries(), used + 1);
            int entries = Math.min(Math.max(16, used * 2), room);
            ByteBuffer grown = ByteBuffer.allocate(entries * entryBytes);
            grown.put(0, tail, 0, used * entryBytes);
            layout = new Layout(current.fileEntries(), grown);
        }
        return used * entryBytes;
    }

    /** Keeps only the first {@code entries} entries, in memory and in the file. */
    synchronized void truncateTo(int entries) throws IOException {
        if (entries >= count) {
            return;
        }
        Layout current = layout;
        count = entries;
        if (entries >= current.fileEntries()) {
            return;
        }
        Path copy = file.resolveSibling(file.getFileName() + ".truncating");
        try (FileChannel from = FileChannel.open(file, StandardOpenOption.READ);
             FileChannel to = FileChannel.open(copy, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long bytes = (long) entries * entryBytes;
            long done = 0;
            while (done < bytes) {
                done += from.transferTo(done, bytes - done, to);
            }
            to.force(true);
        }
        Files.move(copy, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        layout = new Layout(entries, NO_TAIL);
        mapped = null;
    }

    /** Writes the entries appended since the last flush to the file, forces it, and drops them from the heap. */
    synchronized void flush() throws IOException {
        writeOut(true);
    }

    /**
     * Writes the entries appended since the last write to the file and drops them from the heap, forcing the file to
     * disk only when {@code force}: an index written ahead of a log that is not forced yet is rejected and rebuilt by
     * recovery, so the periodic write-out of an active segment's entries needs no fsync.
     */
    synchronized void writeOut(boolean force) throws IOException {
        Layout current = layout;
        int n = count;
        long fileBytes = (long) current.fileEntries() * entryBytes;
        if (n == current.fileEntries() && Files.exists(file) && Files.size(file) == fileBytes) {
            return;
        }
        ByteBuffer bytes = current.tail().duplicate().position(0).limit((n - current.fileEntries()) * entryBytes);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
            // Drops what a failed earlier flush left; never cuts into a map, which covers fileEntries at most.
            channel.truncate(fileBytes);
            long position = fileBytes;
            while (bytes.hasRemaining()) {
                position += channel.write(bytes, position);
            }
            if (force) {
                channel.force(true);
            }
        }
        layout = new Layout(n, NO_TAIL);
    }

    /**
     * Takes the file's entries as they are if {@code check} accepts every one, reading it through a small buffer
     * (nothing stays on the heap); returns false, and stays empty, if it is missing, torn or rejected.
     */
    synchronized boolean load(EntryCheck check) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size % entryBytes != 0 || size / entryBytes > Integer.MAX_VALUE / entryBytes) {
                return false;
            }
            ByteBuffer chunk = ByteBuffer.allocate(LOAD_CHUNK_BYTES / entryBytes * entryBytes);
            long position = 0;
            while (position < size) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), size - position));
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, position + chunk.position()) < 0) {
                        return false;
                    }
                }
                for (int at = 0; at < chunk.limit(); at += entryBytes) {
                    if (!check.valid(chunk, at)) {
                        return false;
                    }
                }
                position += chunk.limit();
            }
            int entries = (int) (size / entryBytes);
            layout = new Layout(entries, NO_TAIL);
            count = entries;
            mapped = null;
            return true;
        }
    }

    synchronized Path file() {
        return file;
    }

    /** Moves the file (if it was ever written) and makes later writes go to the new name; a map stays valid. */
    synchronized void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }
}
