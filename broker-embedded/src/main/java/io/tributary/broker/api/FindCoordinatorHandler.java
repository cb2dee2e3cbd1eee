package io.tributary.broker.api;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.NewTopic;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.metadata.TopicResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
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
 *
 * <p>As Kafka's {@code KafkaApis.getCoordinator}: every key is a key, the empty one too (its partition is
 * {@code abs("".hashCode()) % partitions} like any other's); an unknown key type fails the whole request with
 * INVALID_REQUEST; the share key type (KIP-932) is INVALID_REQUEST before v6 and for a key that is not
 * {@code groupId:topicId:partition}, and COORDINATOR_NOT_AVAILABLE otherwise, as this broker has no share
 * coordinator. A key's own error carries no message from v4 (Kafka sets none); a single-key answer (v0-3) carries
 * the error's default message.
 */
final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {
    private static final Logger log = LoggerFactory.getLogger(FindCoordinatorHandler.class);

    /** FindCoordinator v6 introduced the share key type (KIP-932). */
    private static final short SHARE_KEYS_VERSION = 6;

    private final Controller controller;
    private final TopicCreator topicCreator;
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

    FindCoordinatorHandler(Controller controller, TopicCreator topicCreator, LocalNode node, InternalTopic offsets,
                           InternalTopic transactionState) {
        this.controller = controller;
        this.topicCreator = topicCreator;
        this.node = node;
        this.offsets = offsets;
        this.transactionState = transactionState;
    }

    @Override
    public CompletableFuture<FindCoordinatorResponse> handle(RequestContext context, FindCoordinatorRequest request) {
        short version = context.apiVersion();
        List<String> keys = version >= 4 ? request.data().coordinatorKeys() : List.of(request.data().key());
        CoordinatorType type;
        try {
            type = CoordinatorType.forId(request.data().keyType());
        } catch (InvalidRequestException e) {
            return CompletableFuture.completedFuture(respond(version, keys,
                    key -> error(key, Errors.INVALID_REQUEST).setErrorMessage(Errors.INVALID_REQUEST.message())));
        }
        if (type == CoordinatorType.SHARE) {
            return CompletableFuture.completedFuture(respond(version, keys, key -> error(key,
                    version >= SHARE_KEYS_VERSION && isSharePartitionKey(key) ? Errors.COORDINATOR_NOT_AVAILABLE
                            : Errors.INVALID_REQUEST)));
        }
        InternalTopic internal = type == CoordinatorType.TRANSACTION ? transactionState : offsets;
        return ensure(internal).thenApply(created -> respond(version, keys, key -> locate(internal, key, created)));
    }

    private Coordinator locate(InternalTopic internal, String key, Errors topicError) {
        if (topicError != Errors.NONE) {
            return error(key, topicError);
        }
        MetadataImage image = controller.image();
        TopicImage topic = image.topic(internal.name());
        PartitionRegistration partition = topic == null ? null : topic.partitions().get(internal.partitionFor(key));
        // The coordinator is the leader of the key's partition of the internal topic, wherever it is.
        Node leader = partition == null || partition.leader() < 0 ? null
                : ClusterNodes.node(image, node, partition.leader());
        if (leader == null) {
            return error(key, Errors.COORDINATOR_NOT_AVAILABLE);
        }
        return found(key, leader);
    }

    /**
     * Whether {@code key} names a share-partition, {@code groupId:topicId:partition} read from the right (the group
     * id may hold colons), by Kafka's rule ({@code SharePartitionKey.getInstance}, which splits on ':' and so
     * ignores trailing colons).
     */
    private static boolean isSharePartitionKey(String key) {
        String[] parts = key.split(":");
        if (parts.length < 3 || String.join(":", Arrays.copyOfRange(parts, 0, parts.length - 2)).trim().isEmpty()) {
            return false;
        }
        try {
            Uuid.fromString(parts[parts.length - 2]);
            Integer.parseInt(parts[parts.length - 1]);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Creates the coordinator's topic on first use; completes with NONE or COORDINATOR_NOT_AVAILABLE. */
    private CompletableFuture<Errors> ensure(InternalTopic internal) {
        MetadataImage image = controller.image();
        if (image.topic(internal.name()) != null) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        NewTopic topic = internal.newTopic();
        return topicCreator.create(List.of(topic))
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

    /**
     * The answer: one coordinator per key from v4, else the single key's fields at the top level with the error's
     * default message ("NONE" on success), as Kafka's v0-3 answers carry it.
     */
    private static FindCoordinatorResponse respond(short version, List<String> keys,
                                                   Function<String, Coordinator> locate) {
        if (version < 4) {
            Coordinator answer = locate.apply(keys.get(0));
            return new FindCoordinatorResponse(new FindCoordinatorResponseData().setErrorCode(answer.errorCode())
                    .setErrorMessage(Errors.forCode(answer.errorCode()).message()).setNodeId(answer.nodeId())
                    .setHost(answer.host()).setPort(answer.port()));
        }
        var coordinators = new ArrayList<Coordinator>();
        keys.forEach(key -> coordinators.add(locate.apply(key)));
        return new FindCoordinatorResponse(new FindCoordinatorResponseData().setCoordinators(coordinators));
    }

    private static Coordinator found(String key, Node node) {
        return new Coordinator().setKey(key).setNodeId(node.id()).setHost(node.host()).setPort(node.port());
    }

    /** A key's error, without a message as Kafka answers it (only a failed request's answer carries one). */
    private static Coordinator error(String key, Errors error) {
        return new Coordinator().setKey(key).setErrorCode(error.code()).setNodeId(Node.noNode().id())
                .setHost(Node.noNode().host()).setPort(Node.noNode().port());
    }
}
