package io.tributary.broker.group;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The partitions of {@code __consumer_offsets} as the coordinator sees them: it appends its records through the
 * normal replicated log and reads them back when it loads a partition. Implemented over the replica manager by the
 * server, so this package depends on nothing below it.
 */
public interface CoordinatorLog {
    /** A record to append: a key and a value, or a null value for a tombstone. */
    record Entry(byte[] key, byte[] value) {
    }

    /**
     * The outcome of an append: {@link Errors#NONE} and the log offset of the batch's first record (the i-th entry
     * is at {@code baseOffset + i}), or the append's error and -1.
     */
    record Appended(Errors error, long baseOffset) {
        public static Appended failed(Errors error) {
            return new Appended(error, -1L);
        }
    }

    /** What loading reads back, in offset order. The buffers are only valid during the call. */
    interface Visitor {
        /**
         * A data record at {@code offset}. {@code producerId} is the producer of the transactional batch holding
         * it, or {@link RecordBatch#NO_PRODUCER_ID} for a record outside any transaction.
         */
        void record(long offset, long producerId, ByteBuffer key, ByteBuffer value);

        /** A COMMIT or ABORT control record at {@code offset}: {@code producerId}'s transaction ended. */
        void transactionEnd(long offset, long producerId, boolean committed);
    }

    /** Partitions of the topic, or -1 while it does not exist. */
    int partitionCount();

    /** Whether this node leads {@code partition}, i.e. is its coordinator. */
    boolean isLeader(int partition);

    /**
     * The leader epoch at which this node leads {@code partition}, -1 when it does not: a coordinator whose partition
     * was led elsewhere in between (a new epoch) reloads it from the log.
     */
    default int leaderEpoch(int partition) {
        return isLeader(partition) ? 0 : -1;
    }

    /**
     * Appends {@code entries} as one non-transactional batch with acks=all; completes once they are committed, or
     * with the append's error.
     */
    CompletableFuture<Appended> append(int partition, List<Entry> entries);

    /**
     * Appends {@code entries} as one transactional batch of {@code producerId} at {@code producerEpoch} (base
     * sequence {@link RecordBatch#NO_SEQUENCE}: coordinator writes carry no sequence numbers) with acks=all, as
     * {@link #append} does. The records count only once the transaction's COMMIT marker follows them.
     */
    CompletableFuture<Appended> appendTransactional(int partition, long producerId, short producerEpoch,
                                                    List<Entry> entries);

    /** Reads every record of {@code partition} in offset order, data records and transaction markers. */
    void read(int partition, Visitor visitor);
}
