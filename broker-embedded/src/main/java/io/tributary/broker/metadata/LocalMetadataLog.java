package io.tributary.broker.metadata;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata log of a single node: {@code __cluster_metadata/metadata.log}, one frame per atomic batch, each
 * forced to disk before {@link #append} returns.
 *
 * <pre>
 * frame: | length int32 | crc32c int32 (of payload) | payload: count int32, records... |
 * </pre>
 *
 * <p>A torn or corrupt frame at the tail (a crash mid-write) is truncated on {@link #replay}; frames before it
 * are intact. Appends are serialized by the controller, the only writer; the method is synchronized anyway.
 *
 * <p>The node is always the active controller of its own log: {@link #forward} hands the request straight to the
 * applier, and after {@link #start} every append is applied as soon as it is on disk.
 */
public final class LocalMetadataLog implements MetadataLog {
    private static final Logger log = LoggerFactory.getLogger(LocalMetadataLog.class);

    /** Past this many replayed batches, {@link #start} writes a snapshot of the image in their place. */
    static final long SNAPSHOT_AFTER_BATCHES = 1000;

    private final Path file;
    private final int nodeId;
    private FileChannel channel;
    private volatile Applier applier;
    private long batches;

    public LocalMetadataLog(Path dir) {
        this(dir, -1);
    }

    /** @param nodeId this node, the active controller DescribeQuorum reports */
    public LocalMetadataLog(Path dir, int nodeId) {
        this.nodeId = nodeId;
        try {
            Files.createDirectories(dir);
            this.file = dir.resolve("metadata.log");
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the metadata log in " + dir, e);
        }
    }

    @Override
    public void start(Applier applier) {
        long replayed = replay(applier::apply);
        if (replayed > SNAPSHOT_AFTER_BATCHES) {
            snapshot(applier.snapshot());
            log.info("Replaced {} metadata batches with a snapshot of the image", replayed);
        }
        this.applier = applier;
    }

    @Override
    public boolean isActive() {
        return true;
    }

    @Override
    public int activeControllerId() {
        return nodeId;
    }

    @Override
    public CompletableFuture<ByteBuffer> forward(ByteBuffer request) {
        Applier started = applier;
        if (started == null) {
            return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.NotControllerException(
                    "The metadata log is not started"));
        }
        return started.handleForwarded(request);
    }

    @Override
    public synchronized QuorumState quorumState() {
        long now = System.currentTimeMillis();
        var self = new QuorumState.Replica(nodeId, null, -1, batches, now, now);
        return new QuorumState(nodeId, 1, batches, List.of(self), List.of());
    }

    /** Hands every committed batch to {@code consumer}, in order; returns how many batches were replayed. */
    public synchronized long replay(Consumer<List<MetadataRecord>> consumer) {
        try {
            long size = channel.size();
            long position = 0;
            long batches = 0;
            ByteBuffer header = ByteBuffer.allocate(8);
            while (position + 8 <= size) {
                header.clear();
                readFully(header, position);
                header.flip();
                int length = header.getInt();
                int crc = header.getInt();
                if (length < 4 || position + 8 + length > size) {
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(length);
                readFully(payload, position + 8);
                var checksum = new CRC32C();
                checksum.update(payload.array(), 0, length);
                if ((int) checksum.getValue() != crc) {
                    break;
                }
                List<MetadataRecord> records = MetadataRecordSerde.deserialize(
                        new DataInputStream(new ByteArrayInputStream(payload.array())));
                consumer.accept(records);
                position += 8 + length;
                batches++;
            }
            if (position < size) {
                log.warn("Truncating the metadata log from {} to {} bytes (torn or corrupt tail)", size, position);
                channel.truncate(position);
                channel.force(true);
            }
            channel.position(position);
            this.batches = batches;
            return batches;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the metadata log " + file, e);
        }
    }

    private void readFully(ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("Unexpected end of " + file);
            }
        }
    }

    @Override
    public synchronized void append(List<MetadataRecord> records) {
        ByteBuffer frame = MetadataRecordSerde.frame(records);
        try {
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to the metadata log " + file, e);
        }
        batches++;
        Applier started = applier;
        if (started != null) {
            started.apply(records);
        }
    }

    /**
     * Replaces everything replayed so far with {@code snapshot}, the records that rebuild the current image, so
     * that later starts replay one batch instead of the whole history.
     */
    public synchronized void snapshot(List<MetadataRecord> snapshot) {
        Path temp = file.resolveSibling("metadata.log.snapshot.tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer frame = MetadataRecordSerde.frame(snapshot);
                while (frame.hasRemaining()) {
                    out.write(frame);
                }
                out.force(true);
            }
            channel.close();
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channel.position(channel.size());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a snapshot of the metadata log " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("Error closing the metadata log: {}", e.toString());
        }
    }
}
