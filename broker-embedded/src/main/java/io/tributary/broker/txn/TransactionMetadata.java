package io.tributary.broker.txn;

import java.util.Set;
import org.apache.kafka.common.record.RecordBatch;

/**
 * One transactional id at its coordinator: the state its latest record of {@code __transaction_state} holds, and
 * the transition being written, if any. While a transition is in flight every other request for the id is told
 * CONCURRENT_TRANSACTIONS, so transitions apply one at a time and in log order.
 *
 * <p>Concurrency: guarded by this object's monitor; never held while appending or writing markers. The durable
 * state changes only in {@link #finish}, which applies the record that was written, the same replay that
 * {@link TransactionCoordinator} runs when it loads a partition.
 */
final class TransactionMetadata {
    private final String transactionalId;
    private StoredTransaction current;
    private StoredTransaction pending;
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

    boolean hasPending() {
        return pending != null || removing;
    }

    StoredTransaction pending() {
        return pending;
    }

    void begin(StoredTransaction target) {
        pending = target;
    }

    void beginRemoval() {
        removing = true;
    }

    /** Ends the transition in flight: applies it when its record was written, forgets it otherwise. */
    void finish(boolean written) {
        if (written && pending != null) {
            current = pending;
        }
        pending = null;
        removing = false;
    }

    /** Replays a record read while loading. */
    void replay(StoredTransaction stored) {
        current = stored;
    }
}
