package io.tributary.broker.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.record.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Decides, for {@link org.apache.kafka.common.record.MemoryRecords#filterTo}, which records of a segment
 * survive a cleaning pass (Kafka's Cleaner.shouldRetainRecord and its batch retention rules):
 *
 * <ul>
 *   <li>a record past the map's coverage is kept (a later pass decides);
 *   <li>a record whose key has a later offset in the map goes;
 *   <li>a tombstone that is the latest for its key is kept until its batch's delete horizon (KIP-534: set to
 *       now + delete.retention.ms by the first pass that keeps it) has passed;
 *   <li>a keyless record goes (a compacted topic never accepts one; only a policy change leaves some behind);
 *   <li>records of aborted transactions go;
 *   <li>a transaction marker goes once none of its transaction's records is left and its delete horizon passed
 *       (the first pass that finds it guarding nothing sets the horizon to now + delete.retention.ms).
 * </ul>
 */
final class CompactionFilter extends RecordFilter {
    private final OffsetMap map;
    private final Set<Long> batchesToKeep;
    private final long firstUncleanableOffset;
    private final AbortedBatches abortedBatches;
    private final CleanedTransactions transactions;
    /** Whether the batch being filtered is data of an aborted transaction (set per batch, before its records). */
    private boolean batchAborted;
    /** Whether the control batch being filtered is a marker that may go now. */
    private boolean discardMarker;
    /** Offsets of the markers this filter removed. */
    private final List<Long> discardedMarkers = new ArrayList<>();

    CompactionFilter(OffsetMap map, long nowMs, long deleteRetentionMs, Set<Long> batchesToKeep,
                     long firstUncleanableOffset, AbortedBatches abortedBatches, CleanedTransactions transactions) {
        super(nowMs, deleteRetentionMs);
        this.map = map;
        this.batchesToKeep = batchesToKeep;
        this.firstUncleanableOffset = firstUncleanableOffset;
        this.abortedBatches = abortedBatches;
        this.transactions = transactions;
    }

    /**
     * An emptied batch is dropped unless it is a batch of a producer that must stay (its newest data batch and its
     * newest batch: sequence, epoch and transaction state must survive) or the last batch below the uncleanable
     * offset (Kafka keeps it so the offset information is not lost).
     */
    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
        batchAborted = abortedBatches.isAborted(batch);
        boolean emptyTransactionMarker = false;
        discardMarker = false;
        if (batch.isControlBatch()) {
            emptyTransactionMarker = transactions.markerOfEmptyTransaction(batch.producerId());
            discardMarker = emptyTransactionMarker && batch.deleteHorizonMs().isPresent()
                    && currentTime >= batch.deleteHorizonMs().getAsLong();
        } else if (batch.isTransactional()) {
            transactions.transactionalBatch(batch.producerId());
        }
        boolean keepEmpty = (batch.hasProducerId() && batchesToKeep.contains(batch.lastOffset()))
                || batch.nextOffset() == firstUncleanableOffset;
        return new BatchRetentionResult(keepEmpty ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                emptyTransactionMarker);
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
        if (batch.isControlBatch()) {
            if (discardMarker) {
                discardedMarkers.add(batch.lastOffset());
            }
            return !discardMarker;
        }
        boolean keep = !batchAborted && keepData(batch, record);
        if (keep && batch.isTransactional()) {
            transactions.recordKept(batch.producerId());
        }
        return keep;
    }

    /** The offsets of the transaction markers this filter removed. */
    List<Long> discardedMarkers() {
        return discardedMarkers;
    }

    private boolean keepData(RecordBatch batch, Record record) {
        if (record.offset() > map.latestOffset()) {
            return true;
        }
        if (!record.hasKey()) {
            return false;
        }
        if (record.offset() < map.get(record.key())) {
            return false;
        }
        return record.hasValue() || batch.deleteHorizonMs().isEmpty()
                || currentTime < batch.deleteHorizonMs().getAsLong();
    }
}
