package io.tributary.broker.metadata;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The static broker settings the controller and config resolution need.
 *
 * @param staticTopicDefaults   broker-level defaults of topic configs, keyed by topic config name (parsed values)
 * @param brokerConfigValues    every static broker config rendered as a string, keyed by broker config name
 * @param explicitBrokerConfigs the broker config names set explicitly (source STATIC_BROKER_CONFIG)
 * @param brokerConfigDefaults  Kafka's default of every broker config rendered as a string (source DEFAULT_CONFIG),
 *                              which an explicit setting hides from {@code brokerConfigValues}
 */
public record ClusterDefaults(int nodeId, int numPartitions, short defaultReplicationFactor,
                              boolean deleteTopicEnable, List<Integer> liveBrokerIds,
                              Map<String, Object> staticTopicDefaults, Map<String, String> brokerConfigValues,
                              Set<String> explicitBrokerConfigs, Map<String, String> brokerConfigDefaults) {
    public ClusterDefaults {
        liveBrokerIds = List.copyOf(liveBrokerIds);
        staticTopicDefaults = Map.copyOf(staticTopicDefaults);
        brokerConfigValues = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(brokerConfigValues));
        explicitBrokerConfigs = Set.copyOf(explicitBrokerConfigs);
        brokerConfigDefaults = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(brokerConfigDefaults));
    }

    /** Without explicit settings every current value is the default. */
    public ClusterDefaults(int nodeId, int numPartitions, short defaultReplicationFactor, boolean deleteTopicEnable,
                           List<Integer> liveBrokerIds, Map<String, Object> staticTopicDefaults,
                           Map<String, String> brokerConfigValues, Set<String> explicitBrokerConfigs) {
        this(nodeId, numPartitions, defaultReplicationFactor, deleteTopicEnable, liveBrokerIds, staticTopicDefaults,
                brokerConfigValues, explicitBrokerConfigs, brokerConfigValues);
    }
}
