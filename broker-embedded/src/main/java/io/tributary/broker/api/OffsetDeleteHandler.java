package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.TopicImage;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * OffsetDelete (KIP-496): removes a group's committed offsets for partitions its members are not subscribed to.
 * Partitions of unknown topics are UNKNOWN_TOPIC_OR_PARTITION.
 */
final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequest> {
    private final Controller controller;
    private final GroupCoordinator coordinator;

    OffsetDeleteHandler(Controller controller, GroupCoordinator coordinator) {
        this.controller = controller;
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<OffsetDeleteResponse> handle(RequestContext context, OffsetDeleteRequest request) {
        MetadataImage image = controller.image();
        var response = new OffsetDeleteResponseData();
        var known = new ArrayList<TopicPartition>();
        for (OffsetDeleteRequestTopic topic : request.data().topics()) {
            TopicImage found = image.topic(topic.name());
            for (OffsetDeleteRequestPartition partition : topic.partitions()) {
                if (found == null || !found.partitions().containsKey(partition.partitionIndex())) {
                    add(response, new TopicPartition(topic.name(), partition.partitionIndex()),
                            Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    known.add(new TopicPartition(topic.name(), partition.partitionIndex()));
                }
            }
        }
        return coordinator.deleteOffsets(request.data().groupId(), known).thenApply(result -> {
            if (result.error() != Errors.NONE) {
                return new OffsetDeleteResponse(new OffsetDeleteResponseData().setErrorCode(result.error().code()));
            }
            result.partitions().forEach((tp, error) -> add(response, tp, error));
            return new OffsetDeleteResponse(response);
        });
    }

    private static void add(OffsetDeleteResponseData response, TopicPartition tp, Errors error) {
        OffsetDeleteResponseTopic topic = response.topics().find(tp.topic());
        if (topic == null) {
            topic = new OffsetDeleteResponseTopic().setName(tp.topic());
            response.topics().add(topic);
        }
        topic.partitions().add(new OffsetDeleteResponsePartition().setPartitionIndex(tp.partition())
                .setErrorCode(error.code()));
    }
}
