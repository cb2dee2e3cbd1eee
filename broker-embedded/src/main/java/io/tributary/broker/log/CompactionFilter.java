package io.tributary.broker.log;

import java.util.Map;
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
 *   <li>control batches are kept whole.
 * </ul>
 */
final class CompactionFilter extends RecordFilter {
    private final OffsetMap map;
    private final Map<Long, Long> lastOffsetOfProducer;
    private final long firstUncleanableOffset;
    private final AbortedBatches abortedBatches;
    /** Whether the batch being filtered is data of an aborted transaction (set per batch, before its records). */
    private boolean batchAborted;

    CompactionFilter(OffsetMap map, long nowMs, long deleteRetentionMs, Map<Long, Long> lastOffsetOfProducer,
                     long firstUncleanableOffset, AbortedBatches abortedBatches) {
        super(nowMs, deleteRetentionMs);
        this.map = map;
        this.lastOffsetOfProducer = lastOffsetOfProducer;
        this.firstUncleanableOffset = firstUncleanableOffset;
        this.abortedBatches = abortedBatches;
    }

    /**
     * An emptied batch is dropped unless it is the last batch of an idempotent producer (its sequence and epoch
     * must survive) or the last batch below the uncleanable offset (Kafka keeps it so the offset information is
     * not lost).
     */
    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
        batchAborted = abortedBatches.isAborted(batch);
        boolean lastOfProducer = batch.hasProducerId()
                && Long.valueOf(batch.lastOffset()).equals(lastOffsetOfProducer.get(batch.producerId()));
        boolean keepEmpty = lastOfProducer || batch.nextOffset() == firstUncleanableOffset;
        return new BatchRetentionResult(keepEmpty ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY, false);
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
        if (batch.isControlBatch()) {
            return true;
        }
        if (batchAborted) {
            return false;
        }
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
