package io.tributary.broker.api;

import io.tributary.broker.metadata.ConfigEntry;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.NewTopic;
import io.tributary.broker.metadata.TopicControl;
import io.tributary.broker.metadata.TopicResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * CreateTopics: name, partition, replication-factor and config validation by the controller's
 * {@link TopicControl}; validate-only runs the same checks without committing. From v5 the answer carries the
 * resulting partitions, replication factor and configs, from v7 the topic id.
 */
final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequest> {
    private final Controller controller;
    private final TopicControl topicControl;
    private final ConfigResolver configResolver;

    CreateTopicsHandler(Controller controller, TopicControl topicControl, ConfigResolver configResolver) {
        this.controller = controller;
        this.topicControl = topicControl;
        this.configResolver = configResolver;
    }

    @Override
    public CompletableFuture<CreateTopicsResponse> handle(RequestContext context, CreateTopicsRequest request) {
        var topics = new ArrayList<NewTopic>();
        for (CreatableTopic topic : request.data().topics()) {
            var assignments = new LinkedHashMap<Integer, List<Integer>>();
            for (CreatableReplicaAssignment assignment : topic.assignments()) {
                assignments.put(assignment.partitionIndex(), new ArrayList<>(assignment.brokerIds()));
            }
            var configs = new HashMap<String, String>();
            for (CreatableTopicConfig config : topic.configs()) {
                configs.put(config.name(), config.value());
            }
            topics.add(new NewTopic(topic.name(), topic.numPartitions(), topic.replicationFactor(), assignments,
                    configs));
        }
        boolean validateOnly = request.data().validateOnly();
        short version = context.apiVersion();
        return controller.write(image -> topicControl.createTopics(image, topics, validateOnly)).thenApply(results -> {
            var data = new CreateTopicsResponseData();
            Map<String, NewTopic> byName = new HashMap<>();
            topics.forEach(t -> byName.putIfAbsent(t.name(), t));
            for (TopicResult result : results) {
                var topicResult = new CreatableTopicResult()
                        .setName(result.name())
                        .setErrorCode(result.error().error().code())
                        .setErrorMessage(result.error().isFailure() ? result.error().message() : null);
                if (!result.error().isFailure() && version >= 5) {
                    topicResult.setNumPartitions(result.numPartitions())
                            .setReplicationFactor(result.replicationFactor())
                            .setTopicId(result.topicId());
                    topicResult.setConfigs(configs(result.name(), byName.get(result.name()).configs()));
                }
                if (data.topics().find(result.name()) == null) {
                    data.topics().add(topicResult);
                }
            }
            return new CreateTopicsResponse(data);
        });
    }

    private List<CreatableTopicConfigs> configs(String topic, Map<String, String> overrides) {
        var image = controller.image();
        var configs = new ArrayList<CreatableTopicConfigs>();
        List<ConfigEntry> entries = configResolver.describeTopic(image, topic);
        for (ConfigEntry entry : entries) {
            String value = overrides.getOrDefault(entry.name(), entry.value());
            var source = overrides.containsKey(entry.name())
                    ? DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG
                    : DescribeConfigsHandler.wireSource(entry.source());
            configs.add(new CreatableTopicConfigs().setName(entry.name()).setValue(value)
                    .setReadOnly(entry.readOnly()).setIsSensitive(entry.sensitive()).setConfigSource(source.id()));
        }
        return configs;
    }
}
