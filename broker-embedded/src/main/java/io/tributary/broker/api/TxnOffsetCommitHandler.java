package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.group.OffsetToCommit;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;

/**
 * TxnOffsetCommit (KIP-98): a transactional producer commits a consumer group's offsets as part of its
 * transaction; they stay pending until the transaction ends. Partitions of topics or partitions that do not exist
 * are answered UNKNOWN_TOPIC_OR_PARTITION and not stored; the rest go to the coordinator. Versions 0-2 carry no
 * group generation, 3+ do (KIP-447).
 */
final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequest> {
    /** Before v2, clients from 0.11 to 2.0 could crash on COORDINATOR_LOAD_IN_PROGRESS (KAFKA-7296). */
    private static final short LOAD_IN_PROGRESS_MIN_VERSION = 2;

    private final Controller controller;
    private final GroupCoordinator coordinator;

    TxnOffsetCommitHandler(Controller controller, GroupCoordinator coordinator) {
        this.controller = controller;
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<TxnOffsetCommitResponse> handle(RequestContext context, TxnOffsetCommitRequest request) {
        MetadataImage image = controller.image();
        var response = new TxnOffsetCommitResponse.Builder();
        var toCommit = new ArrayList<OffsetToCommit>();
        for (TxnOffsetCommitRequestTopic topic : request.data().topics()) {
            TopicImage found = image.topic(topic.name());
            for (TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                if (found == null || !found.partitions().containsKey(partition.partitionIndex())) {
                    response.addPartition(topic.name(), partition.partitionIndex(),
                            Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    toCommit.add(new OffsetToCommit(new TopicPartition(topic.name(), partition.partitionIndex()),
                            partition.committedOffset(), partition.committedLeaderEpoch(),
                            partition.committedMetadata()));
                }
            }
        }
        if (toCommit.isEmpty()) {
            return CompletableFuture.completedFuture(response.build());
        }
        TxnOffsetCommitRequestData data = request.data();
        boolean mapLoading = context.apiVersion() < LOAD_IN_PROGRESS_MIN_VERSION;
        return coordinator.commitTransactionalOffsets(data.transactionalId(), data.groupId(), data.producerId(),
                data.producerEpoch(), data.memberId(), data.groupInstanceId(), data.generationId(), toCommit)
                .thenApply(results -> {
                    results.forEach((tp, error) -> response.addPartition(tp.topic(), tp.partition(),
                            mapLoading && error == Errors.COORDINATOR_LOAD_IN_PROGRESS
                                    ? Errors.COORDINATOR_NOT_AVAILABLE : error));
                    return response.build();
                });
    }
}
