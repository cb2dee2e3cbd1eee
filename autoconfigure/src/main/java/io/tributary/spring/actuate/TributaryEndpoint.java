package io.tributary.spring.actuate;

import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.ClusterSummary;
import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.listener.TopicListenerEnhancer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The {@code tributary} actuator endpoint ({@code GET /actuator/tributary}): which cluster the application uses,
 * where that came from, the embedded broker's data directory and how to change them ({@link ClusterSummary}), the embedded
 * node if there is one, the application's listeners, every topic with its partitions, and every consumer group with
 * its lag. {@code GET /actuator/tributary/{group}} shows one group.
 */
@Endpoint(id = "tributary")
public final class TributaryEndpoint {
    private final ClusterView cluster;
    private final TributaryProperties properties;
    private final KafkaAdmin kafkaAdmin;
    private final EmbeddedBroker broker;
    private final ClusterSummary summary;
    private final TopicListenerEnhancer listeners;

    TributaryEndpoint(ClusterView cluster, TributaryProperties properties, KafkaAdmin kafkaAdmin,
                      EmbeddedBroker broker, ClusterSummary summary, TopicListenerEnhancer listeners) {
        this.cluster = cluster;
        this.properties = properties;
        this.kafkaAdmin = kafkaAdmin;
        this.broker = broker;
        this.summary = summary;
        this.listeners = listeners;
    }

    @ReadOperation
    public Map<String, Object> describe() {
        Map<String, Object> answer = new LinkedHashMap<>();
        if (summary != null) {
            answer.putAll(summary.details());
        } else {
            answer.put("mode", broker != null ? "embedded" : "external");
            answer.put("bootstrapServers", kafkaAdmin.getConfigurationProperties().get("bootstrap.servers"));
        }
        answer.put("delivery", properties.getDelivery().value());
        if (broker != null) {
            answer.put("broker", Map.of("port", broker.port(), "dataDir", broker.dataDir().toString()));
        }
        answer.put("listeners", listeners == null ? List.of() : listeners.endpoints());
        answer.put("cluster", cluster.cluster());
        answer.put("topics", cluster.topics());
        answer.put("groups", cluster.groups(null));
        return answer;
    }

    @ReadOperation
    public ClusterView.GroupInfo group(@Selector String group) {
        List<ClusterView.GroupInfo> groups = cluster.groups(List.of(group));
        return groups.isEmpty() ? null : groups.get(0);
    }
}
