package io.tributary.broker.metadata;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.RemoveTopicRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Controller logic for topics and partitions: validates CreateTopics, DeleteTopics and CreatePartitions against
 * an image and returns the records that carry them out. Pure: it reads the image it is given and changes nothing.
 */
public final class TopicControl {
    /**
     * Kafka's controller limit (ReplicationControlManager.MAX_PARTITIONS_PER_BATCH): a request may ask for at most
     * this many partitions, so one CreateTopics or CreatePartitions cannot make the controller lay out 2^31 of them.
     */
    static final int MAX_PARTITIONS_PER_REQUEST = 10_000;
    private static final String TOO_MANY_PARTITIONS = "Excessively large number of partitions per request.";

    private final ClusterDefaults defaults;

    public TopicControl(ClusterDefaults defaults) {
        this.defaults = defaults;
    }

    public ControllerResult<List<TopicResult>> createTopics(MetadataImage image, List<NewTopic> topics,
                                                            boolean validateOnly) {
        var records = new ArrayList<MetadataRecord>();
        var results = new ArrayList<TopicResult>();
        var seen = new HashSet<String>();
        var collisionKeys = new HashSet<String>();
        for (String existing : image.topicsByName().keySet()) {
            collisionKeys.add(Topic.unifyCollisionChars(existing));
        }
        long requestedPartitions = 0;
        for (NewTopic topic : topics) {
            requestedPartitions += !topic.assignments().isEmpty() ? topic.assignments().size()
                    : topic.numPartitions() == -1 ? defaults.numPartitions() : Math.max(topic.numPartitions(), 0);
        }
        if (requestedPartitions > MAX_PARTITIONS_PER_REQUEST) {
            var tooMany = new ApiError(Errors.POLICY_VIOLATION, TOO_MANY_PARTITIONS);
            topics.forEach(topic -> results.add(TopicResult.failed(topic.name(), tooMany)));
            return new ControllerResult<>(records, results);
        }
        for (NewTopic topic : topics) {
            if (!seen.add(topic.name())) {
                results.add(TopicResult.failed(topic.name(), new ApiError(Errors.INVALID_REQUEST,
                        "Topic '" + topic.name() + "' appears more than once in the request")));
                continue;
            }
            TopicResult result = validate(image, topic, collisionKeys);
            if (result.error().isFailure()) {
                results.add(result);
                continue;
            }
            collisionKeys.add(Topic.unifyCollisionChars(topic.name()));
            Uuid topicId = Uuid.randomUuid();
            if (!validateOnly) {
                records.add(new TopicRecord(topic.name(), topicId));
                topic.configs().forEach((name, value) ->
                        records.add(new ConfigRecord(ConfigResourceKind.TOPIC, topic.name(), name, value)));
                Map<Integer, List<Integer>> layout = layout(topic, result.numPartitions(), result.replicationFactor());
                layout.forEach((partition, replicas) -> records.add(new PartitionRecord(topicId, partition, replicas,
                        replicas, replicas.get(0), 0, 0)));
            }
            results.add(new TopicResult(topic.name(), ApiError.NONE, validateOnly ? Uuid.ZERO_UUID : topicId,
                    result.numPartitions(), result.replicationFactor()));
        }
        return new ControllerResult<>(records, results);
    }

    private TopicResult validate(MetadataImage image, NewTopic topic, Set<String> collisionKeys) {
        String name = topic.name();
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            return TopicResult.failed(name, new ApiError(Errors.INVALID_TOPIC_EXCEPTION, e.getMessage()));
        }
        if (image.topic(name) != null) {
            return TopicResult.failed(name, new ApiError(Errors.TOPIC_ALREADY_EXISTS,
                    "Topic '" + name + "' already exists."));
        }
        if (collisionKeys.contains(Topic.unifyCollisionChars(name))) {
            return TopicResult.failed(name, new ApiError(Errors.INVALID_TOPIC_EXCEPTION,
                    "Topic '" + name + "' collides with an existing topic: '.' and '_' are interchangeable in metric names."));
        }
        try {
            LogConfig.validate(topic.configs());
        } catch (ConfigException e) {
            return TopicResult.failed(name, new ApiError(Errors.INVALID_CONFIG, e.getMessage()));
        }
        if (!topic.assignments().isEmpty()) {
            if (topic.numPartitions() != -1 || topic.replicationFactor() != -1) {
                return TopicResult.failed(name, new ApiError(Errors.INVALID_REQUEST,
                        "Both numPartitions or replicationFactor and replicasAssignments were set."));
            }
            Integer replicationFactor = null;
            for (int p = 0; p < topic.assignments().size(); p++) {
                List<Integer> replicas = topic.assignments().get(p);
                if (replicas == null) {
                    return TopicResult.failed(name, new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT,
                            "Partitions must be numbered consecutively from 0."));
                }
                ApiError error = checkReplicas(replicas);
                if (error != null) {
                    return TopicResult.failed(name, error);
                }
                if (replicationFactor != null && replicationFactor != replicas.size()) {
                    return TopicResult.failed(name, new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT,
                            "All partitions must have the same number of replicas."));
                }
                replicationFactor = replicas.size();
            }
            return new TopicResult(name, ApiError.NONE, Uuid.ZERO_UUID, topic.assignments().size(),
                    replicationFactor.shortValue());
        }
        int partitions = topic.numPartitions() == -1 ? defaults.numPartitions() : topic.numPartitions();
        short replicationFactor = topic.replicationFactor() == -1
                ? defaults.defaultReplicationFactor() : topic.replicationFactor();
        if (partitions <= 0) {
            return TopicResult.failed(name, new ApiError(Errors.INVALID_PARTITIONS,
                    "Number of partitions must be larger than 0, or -1 for the default."));
        }
        if (replicationFactor <= 0) {
            return TopicResult.failed(name, new ApiError(Errors.INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 for the default."));
        }
        if (replicationFactor > defaults.liveBrokerIds().size()) {
            return TopicResult.failed(name, new ApiError(Errors.INVALID_REPLICATION_FACTOR,
                    "Unable to replicate the partition " + replicationFactor + " time(s): The target replication "
                            + "factor of " + replicationFactor + " cannot be reached because only "
                            + defaults.liveBrokerIds().size() + " broker(s) are registered."));
        }
        return new TopicResult(name, ApiError.NONE, Uuid.ZERO_UUID, partitions, replicationFactor);
    }

    private ApiError checkReplicas(List<Integer> replicas) {
        if (replicas.isEmpty()) {
            return new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "A partition needs at least one replica.");
        }
        if (new HashSet<>(replicas).size() != replicas.size()) {
            return new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "Duplicate brokers in a replica assignment.");
        }
        for (int broker : replicas) {
            if (!defaults.liveBrokerIds().contains(broker)) {
                return new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "Broker " + broker + " is not registered.");
            }
        }
        return null;
    }

    private Map<Integer, List<Integer>> layout(NewTopic topic, int partitions, short replicationFactor) {
        if (!topic.assignments().isEmpty()) {
            return new LinkedHashMap<>(topic.assignments());
        }
        return spread(0, partitions, replicationFactor);
    }

    /** Round-robin replica placement: partition p starts at broker (p mod n), replicas follow in order. */
    private Map<Integer, List<Integer>> spread(int firstPartition, int count, short replicationFactor) {
        List<Integer> brokers = defaults.liveBrokerIds().stream().sorted().toList();
        var layout = new LinkedHashMap<Integer, List<Integer>>();
        for (int p = firstPartition; p < firstPartition + count; p++) {
            var replicas = new ArrayList<Integer>();
            for (int r = 0; r < replicationFactor; r++) {
                replicas.add(brokers.get((p + r) % brokers.size()));
            }
            layout.put(p, replicas);
        }
        return layout;
    }

    /** Deletes topics by name; unknown names get UNKNOWN_TOPIC_OR_PARTITION. */
    public ControllerResult<Map<String, ApiError>> deleteTopics(MetadataImage image, List<String> names) {
        var records = new ArrayList<MetadataRecord>();
        var results = new LinkedHashMap<String, ApiError>();
        for (String name : names) {
            TopicImage topic = image.topic(name);
            if (!defaults.deleteTopicEnable()) {
                results.put(name, new ApiError(Errors.TOPIC_DELETION_DISABLED, "delete.topic.enable is false"));
            } else if (topic == null) {
                results.put(name, new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                        "This server does not host this topic-partition."));
            } else if (!results.containsKey(name)) {
                records.add(new RemoveTopicRecord(topic.id()));
                results.put(name, ApiError.NONE);
            }
        }
        return new ControllerResult<>(records, results);
    }

    /** Adds partitions to a topic; the count may only grow (INVALID_PARTITIONS otherwise). */
    public ControllerResult<ApiError> createPartitions(MetadataImage image, String name, int totalCount,
                                                       List<List<Integer>> assignments, boolean validateOnly) {
        TopicImage topic = image.topic(name);
        if (topic == null) {
            return ControllerResult.of(new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "The topic '" + name + "' does not exist."));
        }
        int current = topic.partitionCount();
        if (totalCount < current) {
            return ControllerResult.of(new ApiError(Errors.INVALID_PARTITIONS, "The topic " + name + " currently has "
                    + current + " partition(s); " + totalCount + " would not be an increase."));
        }
        if (totalCount == current) {
            return ControllerResult.of(new ApiError(Errors.INVALID_PARTITIONS, "Topic already has " + current
                    + " partition(s)."));
        }
        int added = totalCount - current;
        if (added > MAX_PARTITIONS_PER_REQUEST) {
            return ControllerResult.of(new ApiError(Errors.POLICY_VIOLATION, TOO_MANY_PARTITIONS));
        }
        short replicationFactor = (short) topic.partitions().get(0).replicas().size();
        Map<Integer, List<Integer>> layout;
        if (assignments != null && !assignments.isEmpty()) {
            if (assignments.size() != added) {
                return ControllerResult.of(new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "Increasing the number "
                        + "of partitions by " + added + " but " + assignments.size() + " assignments provided."));
            }
            layout = new LinkedHashMap<>();
            for (int i = 0; i < added; i++) {
                ApiError error = checkReplicas(assignments.get(i));
                if (error != null) {
                    return ControllerResult.of(error);
                }
                layout.put(current + i, assignments.get(i));
            }
        } else {
            if (replicationFactor > defaults.liveBrokerIds().size()) {
                return ControllerResult.of(new ApiError(Errors.INVALID_REPLICATION_FACTOR,
                        "Not enough live brokers for replication factor " + replicationFactor));
            }
            layout = spread(current, added, replicationFactor);
        }
        if (validateOnly) {
            return ControllerResult.of(ApiError.NONE);
        }
        var records = new ArrayList<MetadataRecord>();
        layout.forEach((partition, replicas) -> records.add(new PartitionRecord(topic.id(), partition, replicas,
                replicas, replicas.get(0), 0, 0)));
        return new ControllerResult<>(records, ApiError.NONE);
    }
}
