package io.tributary.broker.txn;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Writes the COMMIT or ABORT control record that ends a producer's transaction in each of its partitions (Kafka's
 * WriteTxnMarkers). Implemented by the server over the replica manager; it also tells the group coordinator when
 * a marker lands in {@code __consumer_offsets}, so transactional offset commits become visible or are dropped.
 */
@FunctionalInterface
public interface TransactionMarkers {
    /** Completes with one error per partition (NONE when its marker is in the log). */
    CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch, int coordinatorEpoch,
                                                         boolean commit, Collection<TopicPartition> partitions);
}
