package io.tributary.spring.actuate;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * {@code tributary.consumer.lag} (records a group has yet to consume, per group, topic and partition) for the
 * consumer groups of the application's listener containers, read from the cluster through the {@link ClusterView}
 * on each {@link #refresh()} (every {@code tributary.metrics.refresh-interval}). A refresh that fails leaves the
 * last values and logs once per failure streak.
 */
final class ConsumerLagMeters {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLagMeters.class);

    private final ClusterView cluster;
    private final KafkaListenerEndpointRegistry listeners;
    private final MultiGauge lag;
    private boolean failing;

    ConsumerLagMeters(ClusterView cluster, KafkaListenerEndpointRegistry listeners, MeterRegistry registry) {
        this.cluster = cluster;
        this.listeners = listeners;
        this.lag = MultiGauge.builder("tributary.consumer.lag")
                .description("Records the consumer group has yet to consume").baseUnit("records").register(registry);
    }

    /** Reads the lag of the listeners' groups now and updates the gauges. */
    void refresh() {
        Set<String> groups = new TreeSet<>();
        listeners.getListenerContainers().stream().map(container -> container.getGroupId())
                .filter(Objects::nonNull).forEach(groups::add);
        if (groups.isEmpty()) {
            return;
        }
        try {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (ClusterView.GroupInfo group : cluster.groups(groups)) {
                for (ClusterView.PartitionLag partition : group.partitions()) {
                    rows.add(MultiGauge.Row.of(Tags.of("group", group.groupId(), "topic", partition.topic(),
                            "partition", String.valueOf(partition.partition())), partition.lag()));
                }
            }
            lag.register(rows, true);
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("Could not read consumer lag: {}", e.getMessage());
            }
            failing = true;
        }
    }
}
