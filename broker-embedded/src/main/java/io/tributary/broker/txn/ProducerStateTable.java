package io.tributary.broker.txn;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Idempotent-producer state of one partition: per producer id, its epoch and the metadata of its last five
 * batches (the most a producer has in flight), so that a retried batch is recognised as a duplicate and answered
 * with its original offsets, and a gap in sequence numbers is rejected with OUT_OF_ORDER_SEQUENCE_NUMBER.
 *
 * <p>Rules (KIP-98, KIP-360): an older epoch is fenced; a newer epoch must restart at sequence 0 unless the
 * producer has no known state; within an epoch, each batch's first sequence follows the last one (wrapping at
 * {@code Integer.MAX_VALUE}). Not thread-safe: the owning partition calls it under its append lock.
 */
public final class ProducerStateTable {
    static final int CACHED_BATCHES = 5;

    /** The sequence range and assigned offsets of one appended batch. */
    public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset,
                                long timestamp) {
    }

    private static final class ProducerEntry {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);
    }

    private final Map<Long, ProducerEntry> producers = new HashMap<>();

    /**
     * Checks an incoming batch of an idempotent producer before it is appended.
     *
     * @return the original batch's metadata if this batch is a retry that was already appended, else null
     * @throws InvalidProducerEpochException when the epoch is older than the producer's current one
     * @throws OutOfOrderSequenceException   when the sequence does not follow the last appended batch
     */
    public BatchMetadata check(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return null;
        }
        ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null) {
            return null;
        }
        short epoch = batch.producerEpoch();
        if (epoch < entry.epoch) {
            throw new InvalidProducerEpochException("Producer " + batch.producerId() + " epoch " + epoch
                    + " is older than the current epoch " + entry.epoch);
        }
        if (epoch > entry.epoch) {
            if (batch.baseSequence() != 0) {
                throw new OutOfOrderSequenceException("Invalid sequence " + batch.baseSequence()
                        + " for new epoch " + epoch + " of producer " + batch.producerId() + ": expected 0");
            }
            return null;
        }
        for (BatchMetadata cached : entry.batches) {
            if (cached.firstSequence() == batch.baseSequence() && cached.lastSequence() == batch.lastSequence()) {
                return cached;
            }
        }
        BatchMetadata last = entry.batches.peekLast();
        if (last != null && !follows(last.lastSequence(), batch.baseSequence())) {
            throw new OutOfOrderSequenceException("Out of order sequence number for producer " + batch.producerId()
                    + " at epoch " + epoch + ": " + batch.baseSequence() + " (incoming seq. number), "
                    + last.lastSequence() + " (current end sequence number)");
        }
        return null;
    }

    private static boolean follows(int lastSequence, int nextSequence) {
        return nextSequence == (lastSequence == Integer.MAX_VALUE ? 0 : lastSequence + 1);
    }

    /** Records a batch that is now in the log, with its assigned offsets. */
    public void update(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return;
        }
        ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        if (batch.producerEpoch() != entry.epoch) {
            entry.epoch = batch.producerEpoch();
            entry.batches.clear();
        }
        if (entry.batches.size() == CACHED_BATCHES) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(new BatchMetadata(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(),
                batch.lastOffset(), batch.maxTimestamp()));
    }

    /** Per producer id, the last offset of its newest appended batch (what the log cleaner must keep). */
    public Map<Long, Long> lastOffsets() {
        var lastOffsets = new HashMap<Long, Long>();
        producers.forEach((id, entry) -> {
            BatchMetadata last = entry.batches.peekLast();
            if (last != null) {
                lastOffsets.put(id, last.lastOffset());
            }
        });
        return lastOffsets;
    }

    /** Forgets everything (the log was truncated; the caller rebuilds from what is left). */
    public void clear() {
        producers.clear();
    }

    public int producerCount() {
        return producers.size();
    }
}
