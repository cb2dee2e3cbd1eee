package io.tributary.broker.txn;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Asks the transaction coordinator whether a producer's first transactional batch in a partition belongs to its
 * open transaction (KIP-890): bound by the Produce request to its transactional id.
 */
@FunctionalInterface
public interface TransactionVerifier {
    Errors verify(long producerId, short producerEpoch, TopicPartition partition);
}
