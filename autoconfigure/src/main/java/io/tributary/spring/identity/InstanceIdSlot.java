package io.tributary.spring.identity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A generated instance id, claimed for as long as this instance runs. Slots are files in one directory:
 *
 * <pre>
 * {dir}/0.id   "3f2a9c41d7e0"   locked by a running instance
 * {dir}/1.id   "91b0c2aa5e13"   free: the next instance to start takes it, and its id
 * </pre>
 *
 * An instance takes the first slot it can lock and keeps the lock (a {@link FileLock}, released by the OS if the
 * process dies) until {@link #close()}; the id in the file is created on the first claim, so a restart gets its id
 * back and two instances sharing the directory get different ones. Within one JVM, claimed slots are also kept in a
 * set: closing a second channel on a locked file would release the first one's OS lock (POSIX), so a slot this JVM
 * holds is never opened twice.
 */
final class InstanceIdSlot implements AutoCloseable {
    private static final Set<Path> CLAIMED_IN_THIS_JVM = ConcurrentHashMap.newKeySet();
    /** Far more replicas than one machine or volume ever hosts; past it something is leaking slots. */
    static final int MAX_SLOTS = 1024;

    private final Path file;
    private final FileChannel channel;
    private final String id;

    private InstanceIdSlot(Path file, FileChannel channel, String id) {
        this.file = file;
        this.channel = channel;
        this.id = id;
    }

    /** Claims the first free slot in {@code dir}, creating the directory and the slot's id when needed. */
    static InstanceIdSlot claim(Path dir) {
        try {
            Files.createDirectories(dir);
            for (int slot = 0; slot < MAX_SLOTS; slot++) {
                Path file = dir.resolve(slot + ".id").toAbsolutePath().normalize();
                if (CLAIMED_IN_THIS_JVM.add(file)) {
                    InstanceIdSlot claimed = tryClaim(file);
                    if (claimed != null) {
                        return claimed;
                    }
                    CLAIMED_IN_THIS_JVM.remove(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep this instance's id in " + dir + ": " + e.getMessage()
                    + ". Set tributary.instance-id, or tributary.broker.data-dir to a writable directory.", e);
        }
        throw new IllegalStateException("All " + MAX_SLOTS + " instance id slots in " + dir + " are in use. Set "
                + "tributary.instance-id.");
    }

    private static InstanceIdSlot tryClaim(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return null;
            }
            String id = read(channel);
            if (id.isEmpty()) {
                id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(true);
            }
            return new InstanceIdSlot(file, channel, id);
        } catch (OverlappingFileLockException e) {
            channel.close();
            return null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 256));
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // read until full or end of file
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).trim();
    }

    String id() {
        return id;
    }

    Path file() {
        return file;
    }

    /** Releases the slot (the lock goes with the channel); its id stays in the file for the next claim. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // The OS releases the lock with the descriptor either way.
        } finally {
            CLAIMED_IN_THIS_JVM.remove(file);
        }
    }
}
