package io.tributary.broker.metadata;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.RemoveTopicRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
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

    /**
     * Creates topics, or with {@code validateOnly} only checks them. As Kafka's controller (ControllerApis.createTopics
     * before ReplicationControlManager): a name given more than once gets one INVALID_REQUEST and none of its entries
     * is created; {@code __cluster_metadata} is refused; every other topic succeeds or fails on its own.
     */
    public ControllerResult<List<TopicResult>> createTopics(MetadataImage image, List<NewTopic> topics,
                                                            boolean validateOnly) {
        var records = new ArrayList<MetadataRecord>();
        var results = new ArrayList<TopicResult>();
        var seen = new HashSet<String>();
        var duplicates = new LinkedHashSet<String>();
        for (NewTopic topic : topics) {
            if (!seen.add(topic.name())) {
                duplicates.add(topic.name());
            }
        }
        for (String duplicate : duplicates) {
            results.add(TopicResult.failed(duplicate, new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name.")));
        }
        var creatable = new ArrayList<NewTopic>();
        for (NewTopic topic : topics) {
            if (duplicates.contains(topic.name())) {
                continue;
            }
            if (topic.name().equals(Topic.CLUSTER_METADATA_TOPIC_NAME)) {
                results.add(TopicResult.failed(topic.name(), new ApiError(Errors.INVALID_REQUEST,
                        "Creation of internal topic " + Topic.CLUSTER_METADATA_TOPIC_NAME + " is prohibited.")));
            } else {
                creatable.add(topic);
            }
        }
        var collisionKeys = new HashSet<String>();
        for (String existing : image.topicsByName().keySet()) {
            collisionKeys.add(Topic.unifyCollisionChars(existing));
        }
        long requestedPartitions = 0;
        for (NewTopic topic : creatable) {
            requestedPartitions += !topic.assignments().isEmpty() ? topic.assignments().size()
                    : topic.numPartitions() == -1 ? defaults.numPartitions() : Math.max(topic.numPartitions(), 0);
        }
        if (requestedPartitions > MAX_PARTITIONS_PER_REQUEST) {
            var tooMany = new ApiError(Errors.POLICY_VIOLATION, TOO_MANY_PARTITIONS);
            creatable.forEach(topic -> results.add(TopicResult.failed(topic.name(), tooMany)));
            return new ControllerResult<>(records, results);
        }
        Map<String, Object> topicDefaults = new ConfigResolver(defaults).topicDefaults(image);
        for (NewTopic topic : creatable) {
            TopicResult result = validate(image, topic, collisionKeys, topicDefaults);
            List<Integer> live = liveBrokers(image);
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
                Map<Integer, List<Integer>> layout = topic.assignments().isEmpty()
                        ? spread(image, 0, result.numPartitions(), result.replicationFactor())
                        : new LinkedHashMap<>(topic.assignments());
                layout.forEach((partition, replicas) -> records.add(newPartition(topicId, partition, replicas, live)));
            }
            results.add(new TopicResult(topic.name(), ApiError.NONE, validateOnly ? Uuid.ZERO_UUID : topicId,
                    result.numPartitions(), result.replicationFactor()));
        }
        return new ControllerResult<>(records, results);
    }

    private TopicResult validate(MetadataImage image, NewTopic topic, Set<String> collisionKeys,
                                 Map<String, Object> topicDefaults) {
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
            LogConfig.validate(topic.configs(), topicDefaults);
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
                ApiError error = checkReplicas(image, replicas);
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
        int live = liveBrokers(image).size();
        if (replicationFactor > live) {
            return TopicResult.failed(name, new ApiError(Errors.INVALID_REPLICATION_FACTOR,
                    "Unable to replicate the partition " + replicationFactor + " time(s): The target replication "
                            + "factor of " + replicationFactor + " cannot be reached because only "
                            + live + " broker(s) are registered."));
        }
        return new TopicResult(name, ApiError.NONE, Uuid.ZERO_UUID, partitions, replicationFactor);
    }

    /**
     * The brokers new replicas may go to: the registered, unfenced ones. An image without registrations (a log
     * written before brokers registered) has this node alone.
     */
    private List<Integer> liveBrokers(MetadataImage image) {
        return image.brokers().isEmpty() ? defaults.liveBrokerIds() : image.unfencedBrokerIds();
    }

    /**
     * A new partition's first state: every live replica in sync, the first of them leading (Kafka's preferred
     * leader), at epoch 0. A replica on a fenced broker starts out of sync.
     */
    private static PartitionRecord newPartition(Uuid topicId, int partition, List<Integer> replicas,
                                                List<Integer> live) {
        List<Integer> isr = replicas.stream().filter(live::contains).toList();
        if (isr.isEmpty()) {
            isr = replicas;
        }
        return new PartitionRecord(topicId, partition, replicas, isr, isr.get(0), 0, 0);
    }

    private ApiError checkReplicas(MetadataImage image, List<Integer> replicas) {
        if (replicas.isEmpty()) {
            return new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "A partition needs at least one replica.");
        }
        if (new HashSet<>(replicas).size() != replicas.size()) {
            return new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "Duplicate brokers in a replica assignment.");
        }
        for (int broker : replicas) {
            boolean registered = image.brokers().isEmpty() ? defaults.liveBrokerIds().contains(broker)
                    : image.broker(broker) != null;
            if (!registered) {
                return new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT, "Broker " + broker + " is not registered.");
            }
        }
        return null;
    }

    /**
     * Replica placement over the live brokers: ordered so that racks alternate (with {@code broker.rack} set), then
     * round-robin from a random first broker, so a topic's leaders and replicas spread evenly and, as far as the
     * racks allow, the replicas of one partition sit on different racks (Kafka's rack-aware assignment).
     */
    private Map<Integer, List<Integer>> spread(MetadataImage image, int firstPartition, int count,
                                               short replicationFactor) {
        List<Integer> brokers = rackAlternating(image, liveBrokers(image));
        int start = brokers.size() <= 1 ? 0 : ThreadLocalRandom.current().nextInt(brokers.size());
        var layout = new LinkedHashMap<Integer, List<Integer>>();
        for (int p = firstPartition; p < firstPartition + count; p++) {
            var replicas = new ArrayList<Integer>();
            for (int r = 0; r < replicationFactor; r++) {
                replicas.add(brokers.get((start + p + r) % brokers.size()));
            }
            layout.put(p, replicas);
        }
        return layout;
    }

    /** The brokers ordered rack by rack in turn (r1b1, r2b1, r1b2, r2b2, ...); by id when no rack is set. */
    private static List<Integer> rackAlternating(MetadataImage image, List<Integer> brokers) {
        var byRack = new TreeMap<String, ArrayDeque<Integer>>();
        for (int id : brokers.stream().sorted().toList()) {
            BrokerRegistration broker = image.broker(id);
            String rack = broker == null || broker.rack() == null ? "" : broker.rack();
            byRack.computeIfAbsent(rack, key -> new ArrayDeque<>()).add(id);
        }
        var ordered = new ArrayList<Integer>();
        while (ordered.size() < brokers.size()) {
            for (var rack : byRack.values()) {
                if (!rack.isEmpty()) {
                    ordered.add(rack.poll());
                }
            }
        }
        return ordered;
    }

    /** Whether topics may be deleted ({@code delete.topic.enable}). */
    public boolean deleteTopicEnable() {
        return defaults.deleteTopicEnable();
    }

    /** A topic to delete as a request names it: by name (id zero) or by id (name null), or wrongly by both or neither. */
    public record TopicReference(String name, Uuid id) {
    }

    /**
     * Deletes topics as Kafka's controller does (ControllerApis.deleteTopics): an entry with both name and id, or
     * neither, is INVALID_REQUEST; a name or id given twice is INVALID_REQUEST once and not deleted; an unknown id is
     * UNKNOWN_TOPIC_ID, an unknown name UNKNOWN_TOPIC_OR_PARTITION; and a name whose topic is also given by id is
     * INVALID_REQUEST, with that topic not deleted and its id not answered. Every other topic is deleted.
     */
    public ControllerResult<List<TopicDeletion>> deleteTopics(MetadataImage image, List<TopicReference> topics) {
        var results = new ArrayList<TopicDeletion>();
        var names = new LinkedHashSet<String>();
        var duplicateNames = new LinkedHashSet<String>();
        var ids = new LinkedHashSet<Uuid>();
        var duplicateIds = new LinkedHashSet<Uuid>();
        for (TopicReference topic : topics) {
            boolean hasId = topic.id() != null && !topic.id().equals(Uuid.ZERO_UUID);
            if (topic.name() != null && hasId) {
                results.add(new TopicDeletion(topic.name(), topic.id(), new ApiError(Errors.INVALID_REQUEST,
                        "You may not specify both topic name and topic id.")));
            } else if (topic.name() != null) {
                addOnce(topic.name(), names, duplicateNames);
            } else if (hasId) {
                addOnce(topic.id(), ids, duplicateIds);
            } else {
                results.add(new TopicDeletion(null, Uuid.ZERO_UUID, new ApiError(Errors.INVALID_REQUEST,
                        "Neither topic name nor id were specified.")));
            }
        }
        duplicateNames.forEach(name -> results.add(new TopicDeletion(name, Uuid.ZERO_UUID,
                new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name."))));
        duplicateIds.forEach(id -> results.add(new TopicDeletion(null, id,
                new ApiError(Errors.INVALID_REQUEST, "Duplicate topic id."))));
        var namesById = new LinkedHashMap<Uuid, String>();
        for (Uuid id : ids) {
            TopicImage topic = image.topic(id);
            if (topic == null) {
                results.add(new TopicDeletion(null, id, new ApiError(Errors.UNKNOWN_TOPIC_ID, null)));
            } else {
                namesById.put(id, topic.name());
            }
        }
        for (String name : names) {
            TopicImage topic = image.topic(name);
            if (topic == null) {
                results.add(new TopicDeletion(name, Uuid.ZERO_UUID, new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                        "This server does not host this topic-partition.")));
            } else if (duplicateIds.contains(topic.id()) || namesById.putIfAbsent(topic.id(), name) != null) {
                duplicateIds.add(topic.id());
                namesById.remove(topic.id());
                results.add(new TopicDeletion(name, topic.id(), new ApiError(Errors.INVALID_REQUEST,
                        "The provided topic name maps to an ID that was already supplied.")));
            }
        }
        var records = new ArrayList<MetadataRecord>();
        namesById.forEach((id, name) -> {
            records.add(new RemoveTopicRecord(id));
            results.add(new TopicDeletion(name, id, ApiError.NONE));
        });
        return new ControllerResult<>(records, results);
    }

    /** Adds {@code value} to {@code once}, or moves it to {@code twice} when it is there already. */
    private static <T> void addOnce(T value, Set<T> once, Set<T> twice) {
        if (twice.contains(value) || !once.add(value)) {
            once.remove(value);
            twice.add(value);
        }
    }

    /**
     * ElectLeaders (Kafka's {@code ReplicationControlManager.electLeaders}): each named partition gets its result;
     * with no partitions named (null), every partition is tried and only those that changed or failed are listed,
     * as Kafka lists them.
     */
    public ControllerResult<ElectLeadersResponseData> electLeaders(MetadataImage image, ElectionType type,
                                                                   ElectLeadersRequestData request) {
        var records = new ArrayList<MetadataRecord>();
        var response = new ElectLeadersResponseData();
        if (request.topicPartitions() == null) {
            for (TopicImage topic : new TreeMap<>(image.topicsByName()).values()) {
                var results = new ReplicaElectionResult().setTopic(topic.name());
                response.replicaElectionResults().add(results);
                for (int partition : topic.partitions().keySet()) {
                    PartitionChanges.Election election = PartitionChanges.elect(image, topic.name(), partition, type);
                    if (election.error() != Errors.ELECTION_NOT_NEEDED) {
                        addElection(results, partition, election, records);
                    }
                }
            }
        } else {
            for (ElectLeadersRequestData.TopicPartitions topic : request.topicPartitions()) {
                var results = new ReplicaElectionResult().setTopic(topic.topic());
                response.replicaElectionResults().add(results);
                for (int partition : topic.partitions()) {
                    addElection(results, partition, PartitionChanges.elect(image, topic.topic(), partition, type),
                            records);
                }
            }
        }
        return new ControllerResult<>(records, response);
    }

    private static void addElection(ReplicaElectionResult results, int partition, PartitionChanges.Election election,
                                    List<MetadataRecord> records) {
        results.partitionResult().add(new PartitionResult().setPartitionId(partition)
                .setErrorCode(election.error().code())
                .setErrorMessage(election.error() == Errors.NONE ? null : election.error().message()));
        if (election.record() != null) {
            records.add(election.record());
        }
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
                ApiError error = checkReplicas(image, assignments.get(i));
                if (error != null) {
                    return ControllerResult.of(error);
                }
                layout.put(current + i, assignments.get(i));
            }
        } else {
            if (replicationFactor > liveBrokers(image).size()) {
                return ControllerResult.of(new ApiError(Errors.INVALID_REPLICATION_FACTOR,
                        "Not enough live brokers for replication factor " + replicationFactor));
            }
            layout = spread(image, current, added, replicationFactor);
        }
        if (validateOnly) {
            return ControllerResult.of(ApiError.NONE);
        }
        var records = new ArrayList<MetadataRecord>();
        List<Integer> live = liveBrokers(image);
        layout.forEach((partition, replicas) -> records.add(newPartition(topic.id(), partition, replicas, live)));
        return new ControllerResult<>(records, ApiError.NONE);
    }
}
