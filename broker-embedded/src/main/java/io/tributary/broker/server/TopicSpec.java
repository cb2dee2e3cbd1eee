package io.tributary.broker.server;

import java.util.Map;

/**
 * A topic an embedder declares through {@link Broker#declareTopics}: {@code partitions} and
 * {@code replicationFactor} of -1 take the broker's defaults ({@code num.partitions},
 * {@code default.replication.factor}); {@code configs} are topic configs by their Kafka names.
 */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs) {
    public TopicSpec {
        configs = Map.copyOf(configs);
    }
}
