package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.group.OffsetToCommit;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * OffsetCommit: topics by name, or by id from v10 (KIP-848). Partitions of topics that do not exist are answered
 * UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id) and not stored; the rest go to the coordinator, with the
 * request's {@code RetentionTimeMs} (v2-4; -1 otherwise), which gives the offsets an expiry of their own.
 */
final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequest> {
    private final Controller controller;
    private final GroupCoordinator coordinator;

    OffsetCommitHandler(Controller controller, GroupCoordinator coordinator) {
        this.controller = controller;
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<OffsetCommitResponse> handle(RequestContext context, OffsetCommitRequest request) {
        boolean byId = OffsetCommitResponse.useTopicIds(context.apiVersion());
        MetadataImage image = controller.image();
        OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder(byId);
        var toCommit = new ArrayList<OffsetToCommit>();
        Map<TopicPartition, Uuid> ids = new HashMap<>();
        for (OffsetCommitRequestTopic topic : request.data().topics()) {
            TopicImage found = byId ? image.topic(topic.topicId()) : image.topic(topic.name());
            for (OffsetCommitRequestPartition partition : topic.partitions()) {
                if (found == null || !found.partitions().containsKey(partition.partitionIndex())) {
                    Errors error = byId && found == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    response.addPartition(topic.topicId(), topic.name(), partition.partitionIndex(), error);
                    continue;
                }
                var tp = new TopicPartition(found.name(), partition.partitionIndex());
                ids.put(tp, found.id());
                toCommit.add(new OffsetToCommit(tp, partition.committedOffset(), partition.committedLeaderEpoch(),
                        partition.committedMetadata()));
            }
        }
        if (toCommit.isEmpty()) {
            return CompletableFuture.completedFuture(response.build());
        }
        var data = request.data();
        return coordinator.commitOffsets(data.groupId(), data.memberId(), data.groupInstanceId(),
                data.generationIdOrMemberEpoch(), context.apiVersion(), data.retentionTimeMs(), toCommit)
                .thenApply(results -> {
                    for (var entry : results.entrySet()) {
                        TopicPartition tp = entry.getKey();
                        response.addPartition(ids.get(tp), tp.topic(), tp.partition(), entry.getValue());
                    }
                    return response.build();
                });
    }
}
