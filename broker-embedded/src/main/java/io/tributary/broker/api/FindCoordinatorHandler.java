package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.NewTopic;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicControl;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.metadata.TopicResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FindCoordinator: the node leading the group's partition of {@code __consumer_offsets}. The first group lookup
 * creates that topic (compacted, {@code offsets.topic.num.partitions} partitions) as Kafka does. Transaction
 * keys are answered with this node. Batched keys (v4+) get one answer each.
 */
final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {
    private static final Logger log = LoggerFactory.getLogger(FindCoordinatorHandler.class);

    private final Controller controller;
    private final TopicControl topicControl;
    private final LocalNode node;
    private final GroupCoordinator groupCoordinator;
    private final short offsetsTopicReplicationFactor;
    private final int offsetsTopicSegmentBytes;

    FindCoordinatorHandler(Controller controller, TopicControl topicControl, LocalNode node,
                           GroupCoordinator groupCoordinator, short offsetsTopicReplicationFactor,
                           int offsetsTopicSegmentBytes) {
        this.controller = controller;
        this.topicControl = topicControl;
        this.node = node;
        this.groupCoordinator = groupCoordinator;
        this.offsetsTopicReplicationFactor = offsetsTopicReplicationFactor;
        this.offsetsTopicSegmentBytes = offsetsTopicSegmentBytes;
    }

    @Override
    public CompletableFuture<FindCoordinatorResponse> handle(RequestContext context, FindCoordinatorRequest request) {
        short version = context.apiVersion();
        byte keyType = request.data().keyType();
        List<String> keys = version >= 4 ? request.data().coordinatorKeys() : List.of(request.data().key());
        CoordinatorType type;
        try {
            type = CoordinatorType.forId(keyType);
        } catch (IllegalArgumentException e) {
            type = null;
        }
        if (type != CoordinatorType.GROUP && type != CoordinatorType.TRANSACTION) {
            return CompletableFuture.completedFuture(respond(version, keys, key -> error(key, Errors.INVALID_REQUEST)));
        }
        if (type == CoordinatorType.TRANSACTION) {
            return CompletableFuture.completedFuture(respond(version, keys, key -> key == null || key.isEmpty()
                    ? error(key, Errors.INVALID_REQUEST) : found(key, node.endpoint())));
        }
        return ensureOffsetsTopic().thenApply(created -> respond(version, keys, key -> locateGroup(key, created)));
    }

    private Coordinator locateGroup(String key, Errors topicError) {
        if (key == null || key.isEmpty()) {
            return error(key, Errors.INVALID_REQUEST);
        }
        if (topicError != Errors.NONE) {
            return error(key, topicError);
        }
        TopicImage topic = controller.image().topic(Topic.GROUP_METADATA_TOPIC_NAME);
        PartitionRegistration partition = topic == null ? null
                : topic.partitions().get(groupCoordinator.partitionFor(key));
        if (partition == null || partition.leader() != node.nodeId()) {
            return error(key, Errors.COORDINATOR_NOT_AVAILABLE);
        }
        return found(key, node.endpoint());
    }

    /** Creates {@code __consumer_offsets} on first use; completes with NONE or COORDINATOR_NOT_AVAILABLE. */
    private CompletableFuture<Errors> ensureOffsetsTopic() {
        MetadataImage image = controller.image();
        if (image.topic(Topic.GROUP_METADATA_TOPIC_NAME) != null) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        var topic = new NewTopic(Topic.GROUP_METADATA_TOPIC_NAME, groupCoordinator.config().offsetsTopicNumPartitions(),
                offsetsTopicReplicationFactor, Map.of(), Map.of(
                        LogConfig.CLEANUP_POLICY, "compact",
                        LogConfig.SEGMENT_BYTES, Integer.toString(offsetsTopicSegmentBytes),
                        LogConfig.COMPRESSION_TYPE, "producer"));
        return controller.write(current -> topicControl.createTopics(current, List.of(topic), false))
                .thenApply(results -> {
                    for (TopicResult result : results) {
                        if (result.error().isFailure() && result.error().error() != Errors.TOPIC_ALREADY_EXISTS) {
                            log.warn("Cannot create {}: {}", Topic.GROUP_METADATA_TOPIC_NAME, result.error());
                            return Errors.COORDINATOR_NOT_AVAILABLE;
                        }
                    }
                    log.info("Created {} with {} partitions", Topic.GROUP_METADATA_TOPIC_NAME,
                            topic.numPartitions());
                    groupCoordinator.loadHostedPartitions();
                    return Errors.NONE;
                });
    }

    private static FindCoordinatorResponse respond(short version, List<String> keys,
                                                   Function<String, Coordinator> locate) {
        if (version < 4) {
            Coordinator answer = locate.apply(keys.get(0));
            return new FindCoordinatorResponse(new FindCoordinatorResponseData().setErrorCode(answer.errorCode())
                    .setErrorMessage(answer.errorMessage()).setNodeId(answer.nodeId()).setHost(answer.host())
                    .setPort(answer.port()));
        }
        var coordinators = new ArrayList<Coordinator>();
        keys.forEach(key -> coordinators.add(locate.apply(key)));
        return new FindCoordinatorResponse(new FindCoordinatorResponseData().setCoordinators(coordinators));
    }

    private static Coordinator found(String key, Node node) {
        return new Coordinator().setKey(key).setNodeId(node.id()).setHost(node.host()).setPort(node.port());
    }

    private static Coordinator error(String key, Errors error) {
        return new Coordinator().setKey(key == null ? "" : key).setErrorCode(error.code())
                .setErrorMessage(error.message()).setNodeId(-1).setHost("").setPort(-1);
    }
}
