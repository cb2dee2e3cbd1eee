package io.tributary.broker.txn;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;

/**
 * The partitions of {@code __transaction_state} as the transaction coordinator sees them: it appends through the
 * normal replicated log and reads back when it loads a partition. Implemented over the replica manager by the
 * server, so this package depends on nothing above it.
 */
public interface TransactionLog {
    /** A record read back while loading; the buffers are only valid during the call, a null value is a tombstone. */
    @FunctionalInterface
    interface Visitor {
        void accept(ByteBuffer key, ByteBuffer value);
    }

    /** Partitions of the topic, or -1 while it does not exist. */
    int partitionCount();

    /** Whether this node leads {@code partition}, i.e. is its coordinator. */
    boolean isLeader(int partition);

    /** The leader epoch of {@code partition}: the coordinator epoch its markers carry. */
    int leaderEpoch(int partition);

    /** Appends one record with acks=all; completes with {@link Errors#NONE} once it is committed, or the error. */
    CompletableFuture<Errors> append(int partition, byte[] key, byte[] value);

    /** Reads every record of {@code partition} in offset order. */
    void read(int partition, Visitor visitor);
}
