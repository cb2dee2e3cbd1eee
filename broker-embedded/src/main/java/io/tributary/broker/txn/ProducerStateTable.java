package io.tributary.broker.txn;

import io.tributary.broker.log.AbortedTransactions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Producer state of one partition: per producer id, its epoch, the metadata of its last five batches (the most a
 * producer has in flight), and the offset where its open transaction began, if any. Built from the batches as they
 * are appended, and rebuilt from every batch of the log when the partition opens (so idempotence and open
 * transactions survive a restart or a crash).
 *
 * <p>Idempotence (KIP-98, KIP-360): a retried batch is recognised as a duplicate and answered with its original
 * offsets; an older epoch is fenced; a newer epoch must restart at sequence 0 unless the producer has no known
 * state; within an epoch each batch's first sequence follows the last one (wrapping at {@code Integer.MAX_VALUE}).
 * Batches a coordinator writes for a producer (transactional offset commits) carry no meaningful sequence and are
 * checked with {@link #checkFromCoordinator} instead, epoch and transaction state only, as Kafka does for its
 * coordinator-origin appends.
 *
 * <p>Transactions: a producer's first transactional batch opens its transaction at that batch's offset; the
 * COMMIT or ABORT marker closes it (an aborted one goes to {@link #abortedTransactions()}). The smallest open
 * first offset is where the last stable offset stops. A marker may carry a newer epoch (the coordinator fenced the
 * producer), which then becomes the producer's epoch.
 *
 * <p>Not thread-safe: the owning partition calls it under its append lock. {@link #abortedTransactions()} is
 * thread-safe on its own.
 */
public final class ProducerStateTable {
    static final int CACHED_BATCHES = 5;

    /** The sequence range and assigned offsets of one appended batch. */
    public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset,
                                long timestamp) {
    }

    /** What DescribeProducers reports of one producer; {@code currentTxnStartOffset} is -1 without a transaction. */
    public record ProducerView(long producerId, short epoch, int lastSequence, long lastTimestampMs,
                               int coordinatorEpoch, long currentTxnStartOffset) {
    }

    private static final class ProducerEntry {
        short epoch;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(CACHED_BATCHES);
        long lastTimestampMs = RecordBatch.NO_TIMESTAMP;
        int coordinatorEpoch = -1;
        long currentTxnFirstOffset = -1;
        /** Last offset of the producer's newest batch of any kind (a marker included). */
        long lastBatchOffset = -1;
    }

    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    /** First offset of each open transaction → its producer id. */
    private final TreeMap<Long, Long> openTransactions = new TreeMap<>();
    private final AbortedTransactions aborted = new AbortedTransactions();

    /**
     * Checks an incoming data batch of an idempotent or transactional producer before it is appended.
     *
     * @return the original batch's metadata if this batch is a retry that was already appended, else null
     * @throws InvalidProducerEpochException when the epoch is older than the producer's current one
     * @throws OutOfOrderSequenceException   when the sequence does not follow the last appended batch
     * @throws InvalidTxnStateException      when a producer with an open transaction writes outside it
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
        if (!batch.isTransactional() && entry.currentTxnFirstOffset >= 0) {
            throw new InvalidTxnStateException("Producer " + batch.producerId() + " wrote a non-transactional batch"
                    + " while its transaction from offset " + entry.currentTxnFirstOffset + " is open");
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

    /**
     * Checks a batch a coordinator writes on a producer's behalf: its epoch, and that it does not mix with an open
     * transaction; its sequence is not checked (Kafka's coordinator batches all start at 0).
     */
    public void checkFromCoordinator(RecordBatch batch) {
        ProducerEntry entry = batch.hasProducerId() ? producers.get(batch.producerId()) : null;
        if (entry == null) {
            return;
        }
        if (batch.producerEpoch() < entry.epoch) {
            throw new InvalidProducerEpochException("Producer " + batch.producerId() + " epoch "
                    + batch.producerEpoch() + " is older than the current epoch " + entry.epoch);
        }
        if (!batch.isTransactional() && entry.currentTxnFirstOffset >= 0) {
            throw new InvalidTxnStateException("Producer " + batch.producerId() + " wrote a non-transactional batch"
                    + " while its transaction from offset " + entry.currentTxnFirstOffset + " is open");
        }
    }

    private static boolean follows(int lastSequence, int nextSequence) {
        return nextSequence == (lastSequence == Integer.MAX_VALUE ? 0 : lastSequence + 1);
    }

    /**
     * Checks a transaction marker the coordinator is about to write: its epoch may be newer (a fenced producer)
     * but not older, and its coordinator epoch not older than the last marker's (a deposed coordinator).
     */
    public void checkMarker(long producerId, short producerEpoch, int coordinatorEpoch) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return;
        }
        if (producerEpoch < entry.epoch) {
            throw new InvalidProducerEpochException("Marker for producer " + producerId + " at epoch "
                    + producerEpoch + " is older than the current epoch " + entry.epoch);
        }
        if (coordinatorEpoch < entry.coordinatorEpoch) {
            throw new TransactionCoordinatorFencedException("Marker for producer " + producerId
                    + " from coordinator epoch " + coordinatorEpoch + ", older than " + entry.coordinatorEpoch);
        }
    }

    /** Whether {@code producerId} has an open transaction in this partition. */
    public boolean inTransaction(long producerId) {
        ProducerEntry entry = producers.get(producerId);
        return entry != null && entry.currentTxnFirstOffset >= 0;
    }

    /** Records a batch (data or marker) that is now in the log, with its assigned offsets. */
    public void update(RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return;
        }
        ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        if (batch.producerEpoch() != entry.epoch) {
            entry.epoch = batch.producerEpoch();
            entry.batches.clear();
        }
        entry.lastTimestampMs = batch.maxTimestamp();
        entry.lastBatchOffset = batch.lastOffset();
        if (batch.isControlBatch()) {
            completeTransaction(batch, entry);
            return;
        }
        if (entry.batches.size() == CACHED_BATCHES) {
            entry.batches.removeFirst();
        }
        entry.batches.addLast(new BatchMetadata(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(),
                batch.lastOffset(), batch.maxTimestamp()));
        // An empty batch is one the cleaner emptied: the data of a transaction that ended long ago, not a new one.
        boolean empty = batch.countOrNull() != null && batch.countOrNull() == 0;
        if (batch.isTransactional() && entry.currentTxnFirstOffset < 0 && !empty) {
            entry.currentTxnFirstOffset = batch.baseOffset();
            openTransactions.put(batch.baseOffset(), batch.producerId());
        }
    }

    private void completeTransaction(RecordBatch marker, ProducerEntry entry) {
        Iterator<Record> records = marker.iterator();
        // A marker the cleaner emptied ended a transaction none of whose records are left: it still ends it.
        EndTransactionMarker end = records.hasNext() ? EndTransactionMarker.deserialize(records.next()) : null;
        if (end != null) {
            entry.coordinatorEpoch = Math.max(entry.coordinatorEpoch, end.coordinatorEpoch());
        }
        if (entry.currentTxnFirstOffset < 0) {
            return;
        }
        openTransactions.remove(entry.currentTxnFirstOffset);
        if (end != null && end.controlType() == ControlRecordType.ABORT) {
            aborted.add(marker.producerId(), entry.currentTxnFirstOffset, marker.lastOffset());
        }
        entry.currentTxnFirstOffset = -1;
    }

    /** The first offset of the oldest open transaction, or -1 when none is open. */
    public long firstUnstableOffset() {
        return openTransactions.isEmpty() ? -1 : openTransactions.firstKey();
    }

    public AbortedTransactions abortedTransactions() {
        return aborted;
    }

    /**
     * The last offsets of the batches the log cleaner must keep (emptied if need be): each producer's newest data
     * batch, so its sequence survives, and its newest batch of any kind, so a restart ends its transaction where the
     * log did.
     */
    public Set<Long> batchesToKeep() {
        var keep = new HashSet<Long>();
        producers.values().forEach(entry -> {
            BatchMetadata last = entry.batches.peekLast();
            if (last != null) {
                keep.add(last.lastOffset());
            }
            if (entry.lastBatchOffset >= 0) {
                keep.add(entry.lastBatchOffset);
            }
        });
        return keep;
    }

    /**
     * Forgets producers idle for longer than {@code expirationMs} ({@code producer.id.expiration.ms}) that have no
     * open transaction; their next batch is accepted as from a new producer. Returns how many were removed.
     */
    public int expire(long nowMs, long expirationMs) {
        int removed = 0;
        for (var it = producers.values().iterator(); it.hasNext(); ) {
            ProducerEntry entry = it.next();
            if (entry.currentTxnFirstOffset < 0 && nowMs - entry.lastTimestampMs > expirationMs) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** Every known producer, for DescribeProducers. */
    public List<ProducerView> describe() {
        var views = new ArrayList<ProducerView>();
        producers.forEach((id, entry) -> {
            BatchMetadata last = entry.batches.peekLast();
            views.add(new ProducerView(id, entry.epoch, last == null ? -1 : last.lastSequence(),
                    entry.lastTimestampMs, entry.coordinatorEpoch, entry.currentTxnFirstOffset));
        });
        return views;
    }

    /** Forgets everything (the log was truncated; the caller rebuilds from what is left). */
    public void clear() {
        producers.clear();
        openTransactions.clear();
        aborted.clear();
    }

    public int producerCount() {
        return producers.size();
    }
}
