package io.tributary.broker.api;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.metadata.ConfigEntry;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DescribeConfigs for topics and this broker: every config (or the requested keys) with its effective value,
 * source, read-only and sensitive flags, type (v3+), and the synonyms when asked, as the Kafka CLI prints them.
 */
final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {
    private final Controller controller;
    private final ConfigResolver configResolver;
    private final int nodeId;
    private final Function<String, ConfigDef.Type> brokerConfigType;

    DescribeConfigsHandler(Controller controller, ConfigResolver configResolver, int nodeId,
                           Function<String, ConfigDef.Type> brokerConfigType) {
        this.controller = controller;
        this.configResolver = configResolver;
        this.nodeId = nodeId;
        this.brokerConfigType = brokerConfigType;
    }

    @Override
    public CompletableFuture<DescribeConfigsResponse> handle(RequestContext context, DescribeConfigsRequest request) {
        MetadataImage image = controller.image();
        var data = new DescribeConfigsResponseData();
        boolean synonyms = request.data().includeSynonyms();
        boolean documentation = request.data().includeDocumentation();
        for (DescribeConfigsResource resource : request.data().resources()) {
            var result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
            List<ConfigEntry> entries = null;
            if (type == ConfigResource.Type.TOPIC) {
                String invalidName = TopicNames.invalidReason(resource.resourceName());
                if (invalidName != null) {
                    // Kafka's ConfigHelper validates the name before looking the topic up.
                    result.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()).setErrorMessage(invalidName);
                } else if (image.topic(resource.resourceName()) == null) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("Topic " + resource.resourceName() + " does not exist");
                } else {
                    entries = configResolver.describeTopic(image, resource.resourceName());
                }
            } else if (type == ConfigResource.Type.BROKER) {
                if (resource.resourceName().isEmpty()) {
                    entries = configResolver.describeBroker(image, true);
                } else if (resource.resourceName().equals(String.valueOf(nodeId))) {
                    entries = configResolver.describeBroker(image, false);
                } else {
                    result.setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("Broker " + resource.resourceName() + " is not this broker");
                }
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Describing configs of " + type + " resources is not supported");
            }
            if (entries != null) {
                List<String> keys = resource.configurationKeys();
                for (ConfigEntry entry : entries) {
                    if (keys != null && !keys.isEmpty() && !keys.contains(entry.name())) {
                        continue;
                    }
                    result.configs().add(toWire(entry, type, synonyms, documentation));
                }
            }
            data.results().add(result);
        }
        return CompletableFuture.completedFuture(new DescribeConfigsResponse(data));
    }

    private DescribeConfigsResourceResult toWire(ConfigEntry entry, ConfigResource.Type type, boolean synonyms,
                                                 boolean documentation) {
        ConfigDef.Type configType;
        String doc = null;
        if (type == ConfigResource.Type.TOPIC) {
            LogConfig.Key key = LogConfig.key(entry.name());
            configType = key.type();
            doc = key.doc();
        } else {
            configType = brokerConfigType.apply(entry.name());
        }
        var wire = new DescribeConfigsResourceResult()
                .setName(entry.name())
                .setValue(entry.value())
                .setReadOnly(entry.readOnly())
                .setIsSensitive(entry.sensitive())
                .setConfigSource(wireSource(entry.source()).id())
                .setConfigType(wireType(configType).id())
                .setDocumentation(documentation ? doc : null);
        if (synonyms) {
            for (ConfigEntry.Synonym synonym : entry.synonyms()) {
                wire.synonyms().add(new DescribeConfigsSynonym().setName(synonym.name()).setValue(synonym.value())
                        .setSource(wireSource(synonym.source()).id()));
            }
        }
        return wire;
    }

    static DescribeConfigsResponse.ConfigSource wireSource(ConfigSource source) {
        return switch (source) {
            case DYNAMIC_TOPIC_CONFIG -> DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG;
            case DYNAMIC_BROKER_CONFIG -> DescribeConfigsResponse.ConfigSource.DYNAMIC_BROKER_CONFIG;
            case DYNAMIC_DEFAULT_BROKER_CONFIG -> DescribeConfigsResponse.ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
            case STATIC_BROKER_CONFIG -> DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG;
            case DEFAULT_CONFIG -> DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG;
            default -> DescribeConfigsResponse.ConfigSource.UNKNOWN;
        };
    }

    private static DescribeConfigsResponse.ConfigType wireType(ConfigDef.Type type) {
        if (type == null) {
            return DescribeConfigsResponse.ConfigType.UNKNOWN;
        }
        return switch (type) {
            case BOOLEAN -> DescribeConfigsResponse.ConfigType.BOOLEAN;
            case STRING -> DescribeConfigsResponse.ConfigType.STRING;
            case INT -> DescribeConfigsResponse.ConfigType.INT;
            case SHORT -> DescribeConfigsResponse.ConfigType.SHORT;
            case LONG -> DescribeConfigsResponse.ConfigType.LONG;
            case DOUBLE -> DescribeConfigsResponse.ConfigType.DOUBLE;
            case LIST -> DescribeConfigsResponse.ConfigType.LIST;
            case CLASS -> DescribeConfigsResponse.ConfigType.CLASS;
            case PASSWORD -> DescribeConfigsResponse.ConfigType.PASSWORD;
        };
    }
}
