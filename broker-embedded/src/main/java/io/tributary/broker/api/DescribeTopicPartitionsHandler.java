package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DescribeTopicPartitions (KIP-966), which Kafka 4's Admin client and {@code kafka-topics --describe} ask before
 * Metadata: the partitions of the named topics (every topic when none is named), topics in name order, at most
 * {@code responsePartitionLimit} partitions per answer (and never more than Kafka's
 * {@code max.request.partition.size.limit} default, 2000), with a cursor where the next answer starts, as Kafka's
 * {@code DescribeTopicPartitionsRequestHandler} pages them. Leaders, replicas, ISR and offline replicas are what
 * Metadata shows ({@link PartitionView}). There are no eligible leader replicas (KIP-966's ELR; Kafka's are empty
 * too while {@code eligible.leader.replicas.version} is off, its default), so both ELR lists are empty.
 */
final class DescribeTopicPartitionsHandler implements ApiHandler<DescribeTopicPartitionsRequest> {
    /** Kafka's {@code max.request.partition.size.limit} default: the most partitions one answer carries. */
    static final int MAX_PARTITIONS_PER_RESPONSE = 2000;

    private final Controller controller;
    private final LocalNode node;
    private final ReplicaManager replicaManager;

    DescribeTopicPartitionsHandler(Controller controller, LocalNode node, ReplicaManager replicaManager) {
        this.controller = controller;
        this.node = node;
        this.replicaManager = replicaManager;
    }

    @Override
    public CompletableFuture<DescribeTopicPartitionsResponse> handle(RequestContext context,
                                                                     DescribeTopicPartitionsRequest request) {
        DescribeTopicPartitionsRequestData data = request.data();
        MetadataImage image = controller.image();
        DescribeTopicPartitionsRequestData.Cursor cursor = data.cursor();
        String cursorTopic = cursor != null ? cursor.topicName() : "";
        boolean allTopics = data.topics().isEmpty();
        var names = new TreeSet<String>();
        if (allTopics) {
            image.topicsByName().keySet().stream().filter(name -> name.compareTo(cursorTopic) >= 0).forEach(names::add);
        } else {
            for (DescribeTopicPartitionsRequestData.TopicRequest topic : data.topics()) {
                if (topic.name().compareTo(cursorTopic) >= 0) {
                    names.add(topic.name());
                }
            }
            if (cursor != null && !names.contains(cursor.topicName())) {
                throw new InvalidRequestException("DescribeTopicPartitionsRequest topic list should contain the cursor "
                        + "topic: " + cursor.topicName());
            }
        }
        if (cursor != null && cursor.partitionIndex() < 0) {
            throw new InvalidRequestException("DescribeTopicPartitionsRequest cursor partition must be valid: "
                    + cursor);
        }
        int remaining = Math.max(Math.min(MAX_PARTITIONS_PER_RESPONSE, data.responsePartitionLimit()), 1);
        var response = new DescribeTopicPartitionsResponseData();
        for (String name : names) {
            if (remaining == 0) {
                // Every partition of the topics before fitted: the next answer starts with this topic.
                response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name)
                        .setPartitionIndex(0));
                break;
            }
            TopicImage topic = image.topic(name);
            if (topic == null) {
                if (!allTopics) {
                    response.topics().add(new DescribeTopicPartitionsResponseTopic().setName(name)
                            .setTopicId(Uuid.ZERO_UUID).setIsInternal(Topic.isInternal(name))
                            .setErrorCode((TopicNames.isValid(name) ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                                    : Errors.INVALID_TOPIC_EXCEPTION).code()));
                }
                continue;
            }
            int first = name.equals(cursorTopic) ? cursor.partitionIndex() : 0;
            int end = Math.min(topic.partitionCount(), first + remaining);
            var partitions = new ArrayList<DescribeTopicPartitionsResponsePartition>();
            for (int index = first; index < end; index++) {
                PartitionRegistration registration = topic.partitions().get(index);
                if (registration != null) {
                    partitions.add(describe(image, name, index, registration));
                }
            }
            response.topics().add(new DescribeTopicPartitionsResponseTopic().setName(name).setTopicId(topic.id())
                    .setIsInternal(Topic.isInternal(name)).setErrorCode(Errors.NONE.code())
                    .setTopicAuthorizedOperations(MetadataHandler.TOPIC_OPERATIONS).setPartitions(partitions));
            if (end < topic.partitionCount()) {
                response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name)
                        .setPartitionIndex(end));
                break;
            }
            remaining -= partitions.size();
        }
        return CompletableFuture.completedFuture(new DescribeTopicPartitionsResponse(response));
    }

    private DescribeTopicPartitionsResponsePartition describe(MetadataImage image, String topic, int index,
                                                              PartitionRegistration registration) {
        var view = PartitionView.of(image, node, replicaManager, topic, index, registration);
        return new DescribeTopicPartitionsResponsePartition()
                .setPartitionIndex(index)
                .setErrorCode(Errors.NONE.code())
                .setLeaderId(view.leader())
                .setLeaderEpoch(registration.leaderEpoch())
                .setReplicaNodes(new ArrayList<>(registration.replicas()))
                .setIsrNodes(new ArrayList<>(registration.isr()))
                .setOfflineReplicas(view.offlineReplicas())
                .setEligibleLeaderReplicas(List.of())
                .setLastKnownElr(List.of());
    }
}
