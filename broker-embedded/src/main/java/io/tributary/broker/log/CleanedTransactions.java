package io.tributary.broker.log;

import java.util.HashMap;
import java.util.Map;

/**
 * Follows, through one cleaning pass in offset order, whether each producer's current transaction kept any record,
 * so the cleaner knows when a transaction's marker guards nothing any more and may go (Kafka's
 * CleanedTransactionMetadata). A marker is only removed after its own delete horizon (KIP-534), so a
 * read_committed consumer that read the transaction's records before they were cleaned still meets its marker.
 * Not thread-safe: one pass, one instance, shared by the groups of segments the pass rewrites.
 */
final class CleanedTransactions {
    /** Producer id → whether a record of its transaction being walked was kept. */
    private final Map<Long, Boolean> keptInTransaction = new HashMap<>();

    /** A data batch of a transaction was reached (before its records are filtered). */
    void transactionalBatch(long producerId) {
        keptInTransaction.putIfAbsent(producerId, false);
    }

    /** A record of the producer's transaction survives this pass. */
    void recordKept(long producerId) {
        keptInTransaction.put(producerId, true);
    }

    /** The producer's marker was reached: whether its transaction has no record left, which ends the transaction. */
    boolean markerOfEmptyTransaction(long producerId) {
        Boolean kept = keptInTransaction.remove(producerId);
        return kept == null || !kept;
    }
}
