package io.tributary.broker.txn;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Everything one record of {@code __transaction_state} says about a transactional id: the whole state, so
 * replaying the latest record of an id restores it. {@code startMs} is -1 while no transaction is open.
 */
public record StoredTransaction(long producerId, short producerEpoch, int timeoutMs, TransactionState state,
                               Set<TopicPartition> partitions, long lastUpdateMs, long startMs) {
    public StoredTransaction {
        partitions = Set.copyOf(partitions);
    }

    StoredTransaction withState(TransactionState newState, long nowMs) {
        return new StoredTransaction(producerId, producerEpoch, timeoutMs, newState, partitions, nowMs, startMs);
    }
}
