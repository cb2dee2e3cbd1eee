package io.tributary.broker.metadata;

import java.util.List;
import java.util.Map;

/**
 * A topic to create. {@code numPartitions} and {@code replicationFactor} of -1 take the broker defaults;
 * a non-empty {@code assignments} fixes the replicas of each partition instead.
 */
public record NewTopic(String name, int numPartitions, short replicationFactor,
                       Map<Integer, List<Integer>> assignments, Map<String, String> configs) {
    public NewTopic {
        assignments = Map.copyOf(assignments);
        configs = Map.copyOf(configs);
    }

    public static NewTopic withDefaults(String name) {
        return new NewTopic(name, -1, (short) -1, Map.of(), Map.of());
    }
}
