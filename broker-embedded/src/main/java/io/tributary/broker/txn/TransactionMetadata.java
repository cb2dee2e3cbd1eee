package io.tributary.broker.txn;

import java.util.Set;
import org.apache.kafka.common.record.RecordBatch;

/**
 * One transactional id at its coordinator: the state its latest record of {@code __transaction_state} holds, and
 * the transition being written, if any. While a transition is in flight every other request for the id is told
 * CONCURRENT_TRANSACTIONS, so transitions apply one at a time and in log order.
 *
 * <p>Beside the record, two things live in memory only, as in Kafka's {@code TransactionMetadata}: the producer id
 * before the latest transition ({@code prevProducerId}) and the epoch a KIP-360 epoch bump came from
 * ({@code lastProducerEpoch}), by which a retried InitProducerId whose answer was lost is told apart from a fenced
 * producer. Kafka's TransactionLogValue has no field for the previous epoch ({@code TransactionLog.read} loads it
 * as -1) and our v0 records none for the previous id, so both are forgotten when a partition is loaded: a retry that
 * spans a coordinator change is fenced, in Kafka too.
 *
 * <p>Concurrency: guarded by this object's monitor; never held while appending or writing markers. The durable
 * state changes only in {@link #finish}, which applies the record that was written, the same replay that
 * {@link TransactionCoordinator} runs when it loads a partition.
 */
final class TransactionMetadata {
    private final String transactionalId;
    private StoredTransaction current;
    private long prevProducerId = RecordBatch.NO_PRODUCER_ID;
    private short lastProducerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private StoredTransaction pending;
    private short pendingLastProducerEpoch;
    private boolean removing;

    TransactionMetadata(String transactionalId, StoredTransaction current) {
        this.transactionalId = transactionalId;
        this.current = current;
    }

    /** A transactional id seen for the first time: a fresh producer id whose epoch 0 is not yet handed out. */
    static TransactionMetadata fresh(String transactionalId, long producerId, int timeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, new StoredTransaction(producerId,
                RecordBatch.NO_PRODUCER_EPOCH, timeoutMs, TransactionState.EMPTY, Set.of(), nowMs, -1));
    }

    String transactionalId() {
        return transactionalId;
    }

    StoredTransaction current() {
        return current;
    }

    /** The producer id before the latest transition: an id rotation's retry still names it. */
    long prevProducerId() {
        return prevProducerId;
    }

    /** The epoch the latest KIP-360 bump came from, or -1: a retry of that bump still names it. */
    short lastProducerEpoch() {
        return lastProducerEpoch;
    }

    boolean hasPending() {
        return pending != null || removing;
    }

    StoredTransaction pending() {
        return pending;
    }

    /** Starts a transition that keeps the previous epoch. */
    void begin(StoredTransaction target) {
        begin(target, lastProducerEpoch);
    }

    /** Starts a transition that sets the previous epoch (InitProducerId, fencing). */
    void begin(StoredTransaction target, short lastEpoch) {
        pending = target;
        pendingLastProducerEpoch = lastEpoch;
    }

    void beginRemoval() {
        removing = true;
    }

    /** Ends the transition in flight: applies it when its record was written, forgets it otherwise. */
    void finish(boolean written) {
        if (written && pending != null) {
            prevProducerId = current.producerId();
            current = pending;
            lastProducerEpoch = pendingLastProducerEpoch;
        }
        pending = null;
        removing = false;
    }

    /** Replays a record read while loading; the in-memory previous id and epoch are unknown after a load. */
    void replay(StoredTransaction stored) {
        current = stored;
        prevProducerId = RecordBatch.NO_PRODUCER_ID;
        lastProducerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    }
}
