package io.tributary.broker.api;

import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.InterBrokerSender;
import io.tributary.broker.txn.TransactionCoordinator;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

/**
 * KIP-890 verification of a producer's first transactional batch in a partition, with its transaction coordinator
 * wherever it runs: this node's coordinator answers in place (under the partition's append lock, as before); a
 * coordinator on another node is asked before the append with AddPartitionsToTxn {@code verify_only}, as Kafka's
 * partition leaders do ({@code AddPartitionsToTxnManager}).
 */
final class TxnVerification {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TxnVerification.class);
    private final int nodeId;
    private final TransactionCoordinator transactions;
    private final Supplier<MetadataImage> image;
    private final InterBrokerSender sender;

    /** @param sender the way to other brokers; null on a single node, where every coordinator is local */
    TxnVerification(int nodeId, TransactionCoordinator transactions, Supplier<MetadataImage> image,
                    InterBrokerSender sender) {
        this.nodeId = nodeId;
        this.transactions = transactions;
        this.image = image;
        this.sender = sender;
    }

    /** The node leading the coordinator partition of {@code transactionalId}, or -1 when none is known. */
    int coordinatorOf(String transactionalId) {
        TopicImage topic = image.get().topic(Topic.TRANSACTION_STATE_TOPIC_NAME);
        PartitionRegistration partition = topic == null ? null
                : topic.partitions().get(transactions.partitionFor(transactionalId));
        return partition == null ? -1 : partition.leader();
    }

    /** Whether verification is answered on this node (no round trip before the append). */
    boolean isLocal(String transactionalId) {
        return sender == null || coordinatorOf(transactionalId) == nodeId;
    }

    /** This node's coordinator's answer. */
    Errors verifyLocally(String transactionalId, long producerId, short producerEpoch, TopicPartition partition) {
        return transactions.verify(transactionalId, producerId, producerEpoch, partition);
    }

    /**
     * Asks the remote coordinator of {@code transactionalId} whether {@code partitions} are in the producer's open
     * transaction; completes with an answer per partition (NOT_COORDINATOR for all when it cannot be asked).
     */
    CompletableFuture<Map<TopicPartition, Errors>> verifyRemotely(String transactionalId, long producerId,
                                                                 short producerEpoch,
                                                                 Collection<TopicPartition> partitions) {
        int coordinator = coordinatorOf(transactionalId);
        if (coordinator < 0 || sender == null) {
            return CompletableFuture.completedFuture(every(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        var topics = new AddPartitionsToTxnTopicCollection();
        var byTopic = new HashMap<String, AddPartitionsToTxnTopic>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), name -> {
                var topic = new AddPartitionsToTxnTopic().setName(name);
                topics.add(topic);
                return topic;
            }).partitions().add(tp.partition());
        }
        var transactionsToVerify = new AddPartitionsToTxnTransactionCollection();
        transactionsToVerify.add(new AddPartitionsToTxnTransaction().setTransactionalId(transactionalId)
                .setProducerId(producerId).setProducerEpoch(producerEpoch).setVerifyOnly(true).setTopics(topics));
        return sender.send(coordinator, AddPartitionsToTxnRequest.Builder.forBroker(transactionsToVerify))
                .handle((answer, failure) -> {
                    if (failure != null) {
                        log.debug("Cannot verify transaction {} with its coordinator, node {}: {}", transactionalId,
                                coordinator, failure.toString());
                        return every(partitions, Errors.NOT_COORDINATOR);
                    }
                    Map<TopicPartition, Errors> errors = ((AddPartitionsToTxnResponse) answer).errors()
                            .get(transactionalId);
                    var result = new HashMap<TopicPartition, Errors>();
                    for (TopicPartition tp : partitions) {
                        Errors error = errors == null ? null : errors.get(tp);
                        result.put(tp, error == null ? Errors.NOT_COORDINATOR : error);
                    }
                    return result;
                });
    }

    private static Map<TopicPartition, Errors> every(Collection<TopicPartition> partitions, Errors error) {
        var result = new HashMap<TopicPartition, Errors>();
        partitions.forEach(tp -> result.put(tp, error));
        return result;
    }
}
