package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.txn.TransactionCoordinator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * AddOffsetsToTxn: adds the group's partition of {@code __consumer_offsets} to the transaction, so the marker
 * that ends it also decides the producer's TxnOffsetCommit there (KIP-98's consume-transform-produce). Clients
 * below v2 are told INVALID_PRODUCER_EPOCH for PRODUCER_FENCED ({@link FencedProducerError}).
 */
final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequest> {
    /** The first version whose clients know PRODUCER_FENCED (KIP-588). */
    private static final short PRODUCER_FENCED_MIN_VERSION = 2;

    private final TransactionCoordinator coordinator;
    private final GroupCoordinator groups;

    AddOffsetsToTxnHandler(TransactionCoordinator coordinator, GroupCoordinator groups) {
        this.coordinator = coordinator;
        this.groups = groups;
    }

    @Override
    public CompletableFuture<AddOffsetsToTxnResponse> handle(RequestContext context, AddOffsetsToTxnRequest request) {
        var data = request.data();
        var offsetsPartition = new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, groups.partitionFor(data.groupId()));
        return coordinator.addPartitions(data.transactionalId(), data.producerId(), data.producerEpoch(),
                Set.of(offsetsPartition)).thenApply(error ->
                new AddOffsetsToTxnResponse(new AddOffsetsToTxnResponseData().setErrorCode(FencedProducerError
                        .forVersion(error, request.version(), PRODUCER_FENCED_MIN_VERSION).code())));
    }
}
