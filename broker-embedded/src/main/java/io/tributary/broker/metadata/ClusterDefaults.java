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
 */
public record ClusterDefaults(int nodeId, int numPartitions, short defaultReplicationFactor,
                              boolean deleteTopicEnable, List<Integer> liveBrokerIds,
                              Map<String, Object> staticTopicDefaults, Map<String, String> brokerConfigValues,
                              Set<String> explicitBrokerConfigs) {
    public ClusterDefaults {
        liveBrokerIds = List.copyOf(liveBrokerIds);
        staticTopicDefaults = Map.copyOf(staticTopicDefaults);
        brokerConfigValues = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(brokerConfigValues));
        explicitBrokerConfigs = Set.copyOf(explicitBrokerConfigs);
    }
}
