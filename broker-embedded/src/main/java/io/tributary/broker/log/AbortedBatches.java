package io.tributary.broker.log;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Walks a log's batches in offset order and tells which data batches belong to an aborted transaction, so the
 * cleaner neither maps their keys nor keeps their records (Kafka's cleaner discards aborted data the same way; a
 * read_committed consumer never sees it anyway, and an aborted value must never shadow a committed one).
 *
 * <p>A producer has at most one open transaction, so per producer the aborted transaction in effect is the last one
 * that started at or before the batch; the batch belongs to it when it lies before that transaction's marker.
 * Not thread-safe: one walk, one instance.
 */
final class AbortedBatches {
    private final List<AbortedTransactions.AbortedTxn> byFirstOffset;
    /** Producer id → offset of the ABORT marker of its aborted transaction in effect. */
    private final Map<Long, Long> markerOfProducer = new HashMap<>();
    private int next;

    /** @param byFirstOffset the aborted transactions overlapping the walk, sorted by first offset */
    AbortedBatches(List<AbortedTransactions.AbortedTxn> byFirstOffset) {
        this.byFirstOffset = byFirstOffset;
    }

    static AbortedBatches of(PartitionLog log, long fromOffset, long toOffset) {
        return new AbortedBatches(log.abortedTransactions().overlappingByFirstOffset(fromOffset, toOffset));
    }

    /** Whether {@code batch}, the next one of the walk, is data of an aborted transaction. */
    boolean isAborted(RecordBatch batch) {
        while (next < byFirstOffset.size() && byFirstOffset.get(next).firstOffset() <= batch.baseOffset()) {
            AbortedTransactions.AbortedTxn txn = byFirstOffset.get(next++);
            markerOfProducer.put(txn.producerId(), txn.lastOffset());
        }
        if (!batch.isTransactional() || batch.isControlBatch()) {
            return false;
        }
        Long marker = markerOfProducer.get(batch.producerId());
        return marker != null && batch.lastOffset() < marker;
    }
}
