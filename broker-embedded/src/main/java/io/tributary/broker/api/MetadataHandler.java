package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.NewTopic;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.metadata.TopicResult;
import io.tributary.broker.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.utils.Utils;

/**
 * Metadata: brokers, cluster id, controller, and topics with their partitions, leaders, epochs and topic ids.
 * Unknown topics are created with the broker defaults when both the request and {@code auto.create.topics.enable}
 * allow it (as librdkafka's tests expect), and the answer already describes them. {@code __consumer_offsets} and
 * {@code __transaction_state} are created as their coordinators create them (Kafka's
 * AutoTopicCreationManager.creatableTopic): their partition count, replication factor and compacted configs.
 */
final class MetadataHandler implements ApiHandler<MetadataRequest> {
    /**
     * The operations a topic supports (KIP-430; Kafka's AclEntry.supportedOperations(TOPIC)): there is no
     * authorizer, so each is allowed, and Kafka without one answers exactly these.
     */
    static final int TOPIC_OPERATIONS = Utils.to32BitField(Set.of(AclOperation.READ.code(),
            AclOperation.WRITE.code(), AclOperation.CREATE.code(), AclOperation.DESCRIBE.code(),
            AclOperation.DELETE.code(), AclOperation.ALTER.code(), AclOperation.DESCRIBE_CONFIGS.code(),
            AclOperation.ALTER_CONFIGS.code()));

    private final Controller controller;
    private final TopicCreator topicCreator;
    private final LocalNode node;
    private final ReplicaManager replicaManager;
    private final boolean autoCreateTopicsEnable;
    private final Map<String, FindCoordinatorHandler.InternalTopic> internalTopics = new HashMap<>();

    MetadataHandler(Controller controller, TopicCreator topicCreator, LocalNode node, ReplicaManager replicaManager,
                    boolean autoCreateTopicsEnable, List<FindCoordinatorHandler.InternalTopic> internalTopics) {
        this.controller = controller;
        this.topicCreator = topicCreator;
        this.node = node;
        this.replicaManager = replicaManager;
        this.autoCreateTopicsEnable = autoCreateTopicsEnable;
        internalTopics.forEach(topic -> this.internalTopics.put(topic.name(), topic));
    }

    @Override
    public CompletableFuture<MetadataResponse> handle(RequestContext context, MetadataRequest request) {
        MetadataImage image = controller.image();
        short version = context.apiVersion();
        if (request.isAllTopics()) {
            return CompletableFuture.completedFuture(respond(request, version, image, Map.of()));
        }
        var toCreate = new ArrayList<NewTopic>();
        if (autoCreateTopicsEnable && request.allowAutoTopicCreation()) {
            for (MetadataRequestData.MetadataRequestTopic topic : request.data().topics()) {
                String name = topic.name();
                if (name != null && image.topic(name) == null && TopicNames.isValid(name)
                        && toCreate.stream().noneMatch(t -> t.name().equals(name))) {
                    FindCoordinatorHandler.InternalTopic internal = internalTopics.get(name);
                    toCreate.add(internal != null ? internal.newTopic() : NewTopic.withDefaults(name));
                }
            }
        }
        if (toCreate.isEmpty()) {
            return CompletableFuture.completedFuture(respond(request, version, image, Map.of()));
        }
        return topicCreator.create(toCreate)
                .thenApply(results -> {
                    var errors = new HashMap<String, Errors>();
                    for (TopicResult result : results) {
                        if (result.error().isFailure() && result.error().error() != Errors.TOPIC_ALREADY_EXISTS) {
                            errors.put(result.name(), result.error().error());
                        } else if (!result.error().isFailure() && internalTopics.containsKey(result.name())) {
                            // Its coordinator takes up the new partitions, as after FindCoordinator's creation.
                            internalTopics.get(result.name()).onCreated().run();
                        }
                    }
                    return respond(request, version, controller.image(), errors);
                });
    }

    private MetadataResponse respond(MetadataRequest request, short version, MetadataImage image,
                                     Map<String, Errors> creationErrors) {
        var data = new MetadataResponseData()
                .setClusterId(node.clusterId())
                .setControllerId(ClusterNodes.controllerId(image, node, controller.activeControllerId()));
        for (Node broker : ClusterNodes.live(image, node)) {
            data.brokers().add(new MetadataResponseBroker().setNodeId(broker.id()).setHost(broker.host())
                    .setPort(broker.port()).setRack(broker.rack()));
        }
        if (request.data().includeClusterAuthorizedOperations()) {
            // Metadata v8 to v10 only; later clients ask DescribeCluster.
            data.setClusterAuthorizedOperations(DescribeClusterHandler.CLUSTER_OPERATIONS);
        }
        boolean includeOperations = request.data().includeTopicAuthorizedOperations();
        if (request.isAllTopics()) {
            for (TopicImage topic : image.topicsByName().values()) {
                data.topics().add(describe(image, topic, version, includeOperations));
            }
        } else {
            for (MetadataRequestData.MetadataRequestTopic requested : request.data().topics()) {
                String name = requested.name();
                TopicImage topic = name != null ? image.topic(name)
                        : requested.topicId() != null ? image.topic(requested.topicId()) : null;
                if (topic != null) {
                    data.topics().add(describe(image, topic, version, includeOperations));
                } else if (name == null) {
                    data.topics().add(new MetadataResponseTopic().setName(null).setTopicId(requested.topicId())
                            .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                } else {
                    Errors unknown = TopicNames.isValid(name) ? Errors.UNKNOWN_TOPIC_OR_PARTITION
                            : Errors.INVALID_TOPIC_EXCEPTION;
                    Errors error = creationErrors.getOrDefault(name, unknown);
                    if (data.topics().find(name) == null) {
                        data.topics().add(new MetadataResponseTopic().setName(name).setErrorCode(error.code())
                                .setIsInternal(Topic.isInternal(name)));
                    }
                }
            }
        }
        return new MetadataResponse(data, version);
    }

    private MetadataResponseTopic describe(MetadataImage image, TopicImage topic, short version,
                                           boolean includeOperations) {
        var result = new MetadataResponseTopic()
                .setName(topic.name())
                .setIsInternal(Topic.isInternal(topic.name()))
                .setErrorCode(Errors.NONE.code());
        if (version >= 10) {
            result.setTopicId(topic.id());
        }
        if (includeOperations) {
            result.setTopicAuthorizedOperations(TOPIC_OPERATIONS);
        }
        for (var entry : topic.partitions().entrySet()) {
            PartitionRegistration registration = entry.getValue();
            var view = PartitionView.of(image, node, replicaManager, topic.name(), entry.getKey(), registration);
            result.partitions().add(new MetadataResponsePartition()
                    .setPartitionIndex(entry.getKey())
                    .setErrorCode(view.leader() < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
                    .setLeaderId(view.leader())
                    .setLeaderEpoch(registration.leaderEpoch())
                    .setReplicaNodes(new ArrayList<>(registration.replicas()))
                    .setIsrNodes(new ArrayList<>(registration.isr()))
                    .setOfflineReplicas(view.offlineReplicas()));
        }
        return result;
    }

}
