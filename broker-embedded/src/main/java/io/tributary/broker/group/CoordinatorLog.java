package io.tributary.broker.group;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;

/**
 * The partitions of {@code __consumer_offsets} as the coordinator sees them: it appends its records through the
 * normal replicated log and reads them back when it loads a partition. Implemented over the replica manager by the
 * server, so this package depends on nothing below it.
 */
public interface CoordinatorLog {
    /** A record to append: a key and a value, or a null value for a tombstone. */
    record Entry(byte[] key, byte[] value) {
    }

    /** A record read back while loading. The buffers are only valid during the call. */
    @FunctionalInterface
    interface Visitor {
        void accept(ByteBuffer key, ByteBuffer value);
    }

    /** Partitions of the topic, or -1 while it does not exist. */
    int partitionCount();

    /** Whether this node leads {@code partition}, i.e. is its coordinator. */
    boolean isLeader(int partition);

    /**
     * Appends {@code entries} as one batch with acks=all; completes with {@link Errors#NONE} once they are committed,
     * or with the append's error.
     */
    CompletableFuture<Errors> append(int partition, List<Entry> entries);

    /** Reads every record of {@code partition} in offset order (control records skipped). */
    void read(int partition, Visitor visitor);
}
