package io.tributary.broker.api;

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
import java.util.function.ToIntFunction;
import org.apache.kafka.common.Node;
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
 * FindCoordinator: the node leading the key's partition of {@code __consumer_offsets} (groups) or
 * {@code __transaction_state} (transactional ids). The first lookup of each kind creates its topic (compacted,
 * {@code offsets.topic.num.partitions} or {@code transaction.state.log.num.partitions} partitions) as Kafka does.
 * Batched keys (v4+) get one answer each.
 */
final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {
    private static final Logger log = LoggerFactory.getLogger(FindCoordinatorHandler.class);

    private final Controller controller;
    private final TopicControl topicControl;
    private final LocalNode node;
    private final InternalTopic offsets;
    private final InternalTopic transactionState;

    /**
     * A coordinator's compacted topic: how it is created, which partition coordinates a key, and what to do once it
     * exists (load the new partitions).
     */
    record InternalTopic(String name, int partitions, short replicationFactor, int segmentBytes,
                         String compressionType, ToIntFunction<String> partitionFor, Runnable onCreated) {
        int partitionFor(String key) {
            return partitionFor.applyAsInt(key);
        }

        /** The topic as its coordinator creates it (Kafka's AutoTopicCreationManager.creatableTopic). */
        NewTopic newTopic() {
            return new NewTopic(name, partitions, replicationFactor, Map.of(),
                    Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES, Integer.toString(segmentBytes),
                            LogConfig.COMPRESSION_TYPE, compressionType));
        }
    }

    FindCoordinatorHandler(Controller controller, TopicControl topicControl, LocalNode node, InternalTopic offsets,
                           InternalTopic transactionState) {
        this.controller = controller;
        this.topicControl = topicControl;
        this.node = node;
        this.offsets = offsets;
        this.transactionState = transactionState;
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
        InternalTopic internal = type == CoordinatorType.TRANSACTION ? transactionState : offsets;
        return ensure(internal).thenApply(created -> respond(version, keys, key -> locate(internal, key, created)));
    }

    private Coordinator locate(InternalTopic internal, String key, Errors topicError) {
        if (key == null || key.isEmpty()) {
            return error(key, Errors.INVALID_REQUEST);
        }
        if (topicError != Errors.NONE) {
            return error(key, topicError);
        }
        TopicImage topic = controller.image().topic(internal.name());
        PartitionRegistration partition = topic == null ? null : topic.partitions().get(internal.partitionFor(key));
        if (partition == null || partition.leader() != node.nodeId()) {
            return error(key, Errors.COORDINATOR_NOT_AVAILABLE);
        }
        return found(key, node.endpoint());
    }

    /** Creates the coordinator's topic on first use; completes with NONE or COORDINATOR_NOT_AVAILABLE. */
    private CompletableFuture<Errors> ensure(InternalTopic internal) {
        MetadataImage image = controller.image();
        if (image.topic(internal.name()) != null) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        NewTopic topic = internal.newTopic();
        return controller.write(current -> topicControl.createTopics(current, List.of(topic), false))
                .thenApply(results -> {
                    for (TopicResult result : results) {
                        if (result.error().isFailure() && result.error().error() != Errors.TOPIC_ALREADY_EXISTS) {
                            log.warn("Cannot create {}: {}", internal.name(), result.error());
                            return Errors.COORDINATOR_NOT_AVAILABLE;
                        }
                    }
                    log.info("Created {} with {} partitions", internal.name(), topic.numPartitions());
                    internal.onCreated().run();
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
