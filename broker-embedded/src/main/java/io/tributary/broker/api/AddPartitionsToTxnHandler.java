package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.txn.TransactionCoordinator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * AddPartitionsToTxn: v0-3 from producers (one transaction), v4+ batched from brokers, where {@code verifyOnly}
 * asks whether the partitions are already in the transaction (KIP-890). A request naming a partition that does
 * not exist adds nothing: that partition gets UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.
 * Clients below v2 are told INVALID_PRODUCER_EPOCH for PRODUCER_FENCED ({@link FencedProducerError}); a
 * {@code verifyOnly} check answers as the coordinator does.
 */
final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequest> {
    private static final short LAST_CLIENT_VERSION = 3;
    /** The first version whose clients know PRODUCER_FENCED (KIP-588). */
    private static final short PRODUCER_FENCED_MIN_VERSION = 2;

    private final Controller controller;
    private final TransactionCoordinator coordinator;

    AddPartitionsToTxnHandler(Controller controller, TransactionCoordinator coordinator) {
        this.controller = controller;
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<AddPartitionsToTxnResponse> handle(RequestContext context,
                                                                AddPartitionsToTxnRequest request) {
        boolean fromClient = context.apiVersion() <= LAST_CLIENT_VERSION;
        AddPartitionsToTxnRequest normalized = fromClient ? request.normalizeRequest() : request;
        MetadataImage image = controller.image();
        var results = new ArrayList<CompletableFuture<AddPartitionsToTxnResult>>();
        for (AddPartitionsToTxnTransaction txn : normalized.data().transactions()) {
            List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(txn.topics());
            results.add(handleTransaction(image, txn, partitions, request.version()).thenApply(errors ->
                    AddPartitionsToTxnResponse.resultForTransaction(txn.transactionalId(), errors)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            var data = new AddPartitionsToTxnResponseData();
            if (fromClient) {
                data.setResultsByTopicV3AndBelow(results.get(0).join().topicResults());
            } else {
                results.forEach(result -> data.resultsByTransaction().add(result.join()));
            }
            return new AddPartitionsToTxnResponse(data);
        });
    }

    private CompletableFuture<Map<TopicPartition, Errors>> handleTransaction(MetadataImage image,
                                                                             AddPartitionsToTxnTransaction txn,
                                                                             List<TopicPartition> partitions,
                                                                             short version) {
        var errors = new LinkedHashMap<TopicPartition, Errors>();
        boolean unknown = false;
        for (TopicPartition tp : partitions) {
            TopicImage topic = image.topic(tp.topic());
            boolean exists = topic != null && topic.partitions().containsKey(tp.partition());
            errors.put(tp, exists ? Errors.OPERATION_NOT_ATTEMPTED : Errors.UNKNOWN_TOPIC_OR_PARTITION);
            unknown |= !exists;
        }
        if (unknown) {
            return CompletableFuture.completedFuture(errors);
        }
        if (txn.verifyOnly()) {
            partitions.forEach(tp -> errors.put(tp, coordinator.verify(txn.transactionalId(), txn.producerId(),
                    txn.producerEpoch(), tp)));
            return CompletableFuture.completedFuture(errors);
        }
        return coordinator.addPartitions(txn.transactionalId(), txn.producerId(), txn.producerEpoch(),
                new HashSet<>(partitions)).thenApply(error -> {
                    Errors told = FencedProducerError.forVersion(error, version, PRODUCER_FENCED_MIN_VERSION);
                    errors.replaceAll((tp, ignored) -> told);
                    return errors;
                });
    }
}
