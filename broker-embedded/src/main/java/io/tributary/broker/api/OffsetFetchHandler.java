package io.tributary.broker.api;

import io.tributary.broker.group.CommittedOffset;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.group.GroupCoordinator.FetchedOffsets;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * OffsetFetch: one group (v0-7) or several (v8+, KIP-709), the given partitions or every committed one; topics
 * by id from v10. A partition without a commit is offset -1 with no error, as in Kafka. The metadata string and
 * leader epoch come back as committed. With {@code require_stable} (v7+, KIP-447) a partition for which an open
 * transaction holds an offset is UNSTABLE_OFFSET_COMMIT; without it the last committed offset is returned.
 */
final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequest> {
    private final Controller controller;
    private final GroupCoordinator coordinator;

    OffsetFetchHandler(Controller controller, GroupCoordinator coordinator) {
        this.controller = controller;
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<OffsetFetchResponse> handle(RequestContext context, OffsetFetchRequest request) {
        short version = context.apiVersion();
        boolean byId = OffsetFetchRequest.useTopicIds(version);
        MetadataImage image = controller.image();
        var groups = new ArrayList<OffsetFetchResponseGroup>();
        for (OffsetFetchRequestGroup requested : request.groups()) {
            groups.add(fetch(requested, byId, request.requireStable(), image));
        }
        return CompletableFuture.completedFuture(new OffsetFetchResponse.Builder(groups).build(version));
    }

    private OffsetFetchResponseGroup fetch(OffsetFetchRequestGroup requested, boolean byId, boolean requireStable,
                                           MetadataImage image) {
        var group = new OffsetFetchResponseGroup().setGroupId(requested.groupId());
        var topics = new LinkedHashMap<String, OffsetFetchResponseTopics>();
        List<TopicPartition> partitions = null;
        if (requested.topics() != null) {
            partitions = new ArrayList<>();
            for (OffsetFetchRequestTopics topic : requested.topics()) {
                TopicImage found = byId ? image.topic(topic.topicId()) : null;
                String name = byId ? (found == null ? null : found.name()) : topic.name();
                var answer = new OffsetFetchResponseTopics().setName(byId ? "" : topic.name())
                        .setTopicId(topic.topicId());
                for (int index : topic.partitionIndexes()) {
                    var partition = new OffsetFetchResponsePartitions().setPartitionIndex(index)
                            .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
                    if (name == null) {
                        partition.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                    } else {
                        partitions.add(new TopicPartition(name, index));
                    }
                    answer.partitions().add(partition);
                }
                topics.put(byId ? topic.topicId().toString() : topic.name(), answer);
            }
        }
        FetchedOffsets fetched = coordinator.fetchOffsets(requested.groupId(), partitions, requireStable);
        if (fetched.error() != Errors.NONE) {
            return group.setErrorCode(fetched.error().code());
        }
        for (Map.Entry<TopicPartition, CommittedOffset> entry : fetched.offsets().entrySet()) {
            OffsetFetchResponsePartitions partition = answer(topics, entry.getKey(), byId, image);
            if (partition != null) {
                CommittedOffset offset = entry.getValue();
                partition.setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch())
                        .setMetadata(offset.metadata());
            }
        }
        for (TopicPartition tp : fetched.unstable()) {
            OffsetFetchResponsePartitions partition = answer(topics, tp, byId, image);
            if (partition != null) {
                partition.setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code()).setCommittedOffset(-1)
                        .setCommittedLeaderEpoch(-1).setMetadata("");
            }
        }
        group.topics().addAll(topics.values());
        return group;
    }

    /**
     * The response entry of {@code tp}, added when the request did not name it (a fetch of all partitions); null
     * when answering by topic id and the topic no longer exists.
     */
    private static OffsetFetchResponsePartitions answer(Map<String, OffsetFetchResponseTopics> topics,
                                                        TopicPartition tp, boolean byId, MetadataImage image) {
        TopicImage topic = image.topic(tp.topic());
        Uuid topicId = topic == null ? Uuid.ZERO_UUID : topic.id();
        if (byId && topic == null) {
            return null;
        }
        String key = byId ? topicId.toString() : tp.topic();
        OffsetFetchResponseTopics answer = topics.computeIfAbsent(key, k -> new OffsetFetchResponseTopics()
                .setName(byId ? "" : tp.topic()).setTopicId(topicId));
        for (OffsetFetchResponsePartitions candidate : answer.partitions()) {
            if (candidate.partitionIndex() == tp.partition()) {
                return candidate;
            }
        }
        var partition = new OffsetFetchResponsePartitions().setPartitionIndex(tp.partition());
        answer.partitions().add(partition);
        return partition;
    }
}
