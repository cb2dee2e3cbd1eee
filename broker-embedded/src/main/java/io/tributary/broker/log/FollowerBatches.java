package io.tributary.broker.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Record batches a follower fetched from its leader, checked before {@link PartitionLog#appendAsFollower} writes them
 * as they are, the way Kafka's {@code UnifiedLog.analyzeAndValidateRecords} checks a follower's append: every batch
 * intact (framing and CRC, {@code CorruptRecordException} otherwise), magic v2 (the only format a log here stores and
 * recovers), and offsets that only grow, each batch starting after the previous one ends. Gaps between batches are
 * allowed, since a compacted leader has them; the leader's offsets are kept, so nothing else is checked about them.
 *
 * <p>A fetch response may end with a batch cut short by the leader's size limit; it is left out, as Kafka's
 * {@code trimInvalidBytes} leaves it, and the follower fetches it whole next time. Reads batch headers only (the CRC
 * covers the rest), allocates nothing per record, and copies nothing.
 */
final class FollowerBatches {
    private final MemoryRecords records;
    private final long firstOffset;
    private final long lastOffset;
    private final int recordCount;

    private FollowerBatches(MemoryRecords records, long firstOffset, long lastOffset, int recordCount) {
        this.records = records;
        this.firstOffset = firstOffset;
        this.lastOffset = lastOffset;
        this.recordCount = recordCount;
    }

    /**
     * Checks {@code records} batch by batch.
     *
     * @throws org.apache.kafka.common.errors.CorruptRecordException a batch's framing or CRC is broken
     * @throws InvalidRecordException a batch older than v2, or offsets that do not grow
     */
    static FollowerBatches of(MemoryRecords records, TopicPartition topicPartition) {
        long first = -1;
        long last = -1;
        int count = 0;
        int wholeBytes = 0;
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                throw new InvalidRecordException("A batch of magic v" + batch.magic() + " at offset "
                        + batch.baseOffset() + " in the append to " + topicPartition + "; only v2 is stored");
            }
            batch.ensureValid();
            // The CRC does not cover the base offset: a batch must start after the previous one and not end before
            // it starts (its last offset delta is covered).
            if (batch.baseOffset() < 0 || batch.baseOffset() <= last || batch.lastOffset() < batch.baseOffset()) {
                throw new InvalidRecordException("Out of order offsets in the append to " + topicPartition
                        + ": a batch of offsets " + batch.baseOffset() + " to " + batch.lastOffset()
                        + " after offset " + last);
            }
            if (first < 0) {
                first = batch.baseOffset();
            }
            last = batch.lastOffset();
            Integer batchRecords = batch.countOrNull();
            count += batchRecords == null ? 0 : batchRecords;
            wholeBytes += batch.sizeInBytes();
        }
        MemoryRecords whole = wholeBytes == records.sizeInBytes() ? records : slice(records.buffer(), 0, wholeBytes);
        return new FollowerBatches(whole, first, last, count);
    }

    private static MemoryRecords slice(ByteBuffer buffer, int from, int to) {
        ByteBuffer bytes = buffer.duplicate();
        bytes.limit(bytes.position() + to).position(bytes.position() + from);
        return MemoryRecords.readableRecords(bytes.slice());
    }

    boolean isEmpty() {
        return firstOffset < 0;
    }

    /** The whole batches, in order. */
    MemoryRecords records() {
        return records;
    }

    /** The bytes {@code [from, to)} of {@link #records()}: a run of whole batches, no copy. */
    MemoryRecords slice(int from, int to) {
        return from == 0 && to == records.sizeInBytes() ? records : slice(records.buffer(), from, to);
    }

    /** The base offset of the first batch; -1 when there is none. */
    long firstOffset() {
        return firstOffset;
    }

    /** The last offset of the last batch; -1 when there is none. */
    long lastOffset() {
        return lastOffset;
    }

    int recordCount() {
        return recordCount;
    }
}
