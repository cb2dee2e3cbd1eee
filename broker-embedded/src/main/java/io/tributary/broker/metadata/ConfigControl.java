package io.tributary.broker.metadata;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Controller logic for dynamic configs (IncrementalAlterConfigs and the legacy AlterConfigs): topic overrides and
 * the broker-level defaults of topic configs, per node or cluster-wide. Validates against the config
 * definitions and returns the {@link ConfigRecord}s to commit.
 */
public final class ConfigControl {
    private final ClusterDefaults defaults;
    private final Map<String, LogConfig.Key> topicKeysByBrokerName = new HashMap<>();

    public ConfigControl(ClusterDefaults defaults) {
        this.defaults = defaults;
        for (LogConfig.Key key : LogConfig.keys()) {
            if (key.brokerSynonym() != null) {
                topicKeysByBrokerName.put(key.brokerSynonym(), key);
            }
        }
    }

    /** One change of IncrementalAlterConfigs. */
    public record Change(String name, AlterConfigOp.OpType op, String value) {
    }

    public ControllerResult<ApiError> incrementalAlter(MetadataImage image, ConfigResource resource,
                                                       List<Change> changes, boolean validateOnly) {
        ApiError error = checkResource(image, resource);
        if (error != null) {
            return ControllerResult.of(error);
        }
        Map<String, String> current = currentOverrides(image, resource);
        var updated = new HashMap<>(current);
        var seen = new LinkedHashSet<String>();
        for (Change change : changes) {
            // Request shape errors are INVALID_REQUEST in Kafka, before any value is looked at.
            if (!seen.add(change.name())) {
                return ControllerResult.of(new ApiError(Errors.INVALID_REQUEST,
                        "Error due to duplicate config keys : " + change.name()));
            }
            if (change.value() == null && change.op() != AlterConfigOp.OpType.DELETE) {
                return ControllerResult.of(new ApiError(Errors.INVALID_REQUEST,
                        "Null value not supported for : " + change.op() + ":" + change.name()));
            }
        }
        for (Change change : changes) {
            switch (change.op()) {
                case SET -> updated.put(change.name(), change.value());
                case DELETE -> updated.remove(change.name());
                case APPEND, SUBTRACT -> {
                    if (!isList(resource, change.name())) {
                        return ControllerResult.of(new ApiError(Errors.INVALID_CONFIG, "Config " + change.name()
                                + " is not a list; APPEND and SUBTRACT only apply to lists"));
                    }
                    var items = new ArrayList<String>();
                    String base = updated.getOrDefault(change.name(), effectiveDefault(image, resource, change.name()));
                    if (base != null && !base.isBlank()) {
                        for (String item : base.split(",")) {
                            items.add(item.trim());
                        }
                    }
                    for (String item : change.value() == null ? new String[0] : change.value().split(",")) {
                        if (change.op() == AlterConfigOp.OpType.APPEND) {
                            if (!items.contains(item.trim())) {
                                items.add(item.trim());
                            }
                        } else {
                            items.remove(item.trim());
                        }
                    }
                    updated.put(change.name(), String.join(",", items));
                }
            }
        }
        return replace(image, resource, current, updated, validateOnly);
    }

    /** Legacy AlterConfigs: the given set replaces every override of the resource. */
    public ControllerResult<ApiError> alter(MetadataImage image, ConfigResource resource, Map<String, String> configs,
                                            boolean validateOnly) {
        ApiError error = checkResource(image, resource);
        if (error != null) {
            return ControllerResult.of(error);
        }
        var nullValues = configs.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey).toList();
        if (!nullValues.isEmpty()) {
            return ControllerResult.of(new ApiError(Errors.INVALID_REQUEST,
                    "Null value not supported for : " + String.join(",", nullValues)));
        }
        return replace(image, resource, currentOverrides(image, resource), new HashMap<>(configs), validateOnly);
    }

    private ControllerResult<ApiError> replace(MetadataImage image, ConfigResource resource, Map<String, String> current,
                                               Map<String, String> updated, boolean validateOnly) {
        try {
            validate(image, resource, updated);
        } catch (ConfigException e) {
            return ControllerResult.of(new ApiError(Errors.INVALID_CONFIG, e.getMessage()));
        } catch (InvalidBrokerConfig e) {
            return ControllerResult.of(new ApiError(Errors.INVALID_REQUEST, e.getMessage()));
        }
        if (validateOnly) {
            return ControllerResult.of(ApiError.NONE);
        }
        var records = new ArrayList<MetadataRecord>();
        ConfigResourceKind kind = resource.type() == ConfigResource.Type.TOPIC
                ? ConfigResourceKind.TOPIC : ConfigResourceKind.BROKER;
        for (String name : current.keySet()) {
            if (!updated.containsKey(name)) {
                records.add(new ConfigRecord(kind, resource.name(), name, null));
            }
        }
        updated.forEach((name, value) -> {
            if (!value.equals(current.get(name))) {
                records.add(new ConfigRecord(kind, resource.name(), name, value));
            }
        });
        return new ControllerResult<>(records, ApiError.NONE);
    }

    private ApiError checkResource(MetadataImage image, ConfigResource resource) {
        return switch (resource.type()) {
            case TOPIC -> image.topic(resource.name()) == null
                    ? new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic " + resource.name() + " does not exist")
                    : null;
            case BROKER -> resource.name().isEmpty() || resource.name().equals(String.valueOf(defaults.nodeId()))
                    ? null : new ApiError(Errors.INVALID_REQUEST, "Unknown broker " + resource.name());
            default -> new ApiError(Errors.INVALID_REQUEST, "Altering configs of resource type "
                    + resource.type() + " is not supported");
        };
    }

    private Map<String, String> currentOverrides(MetadataImage image, ConfigResource resource) {
        return resource.type() == ConfigResource.Type.TOPIC
                ? image.topicConfig(resource.name()) : image.brokerConfig(resource.name());
    }

    private boolean isList(ConfigResource resource, String name) {
        LogConfig.Key key = resource.type() == ConfigResource.Type.TOPIC
                ? LogConfig.key(name) : topicKeysByBrokerName.get(name);
        return key != null && key.type() == org.apache.kafka.common.config.ConfigDef.Type.LIST;
    }

    private String effectiveDefault(MetadataImage image, ConfigResource resource, String name) {
        if (resource.type() == ConfigResource.Type.TOPIC) {
            return LogConfig.render(new ConfigResolver(defaults).topicDefaults(image).get(name));
        }
        return defaults.brokerConfigValues().get(name);
    }

    private void validate(MetadataImage image, ConfigResource resource, Map<String, String> configs) {
        if (resource.type() == ConfigResource.Type.TOPIC) {
            LogConfig.validate(configs, new ConfigResolver(defaults).topicDefaults(image));
            return;
        }
        var readOnly = new ArrayList<String>();
        for (var entry : configs.entrySet()) {
            LogConfig.Key key = topicKeysByBrokerName.get(entry.getKey());
            if (key == null) {
                readOnly.add(entry.getKey());
            } else {
                LogConfig.validate(Map.of(key.name(), entry.getValue()));
            }
        }
        if (!readOnly.isEmpty()) {
            throw new InvalidBrokerConfig("Cannot update these configs dynamically: " + readOnly);
        }
    }

    private static final class InvalidBrokerConfig extends RuntimeException {
        InvalidBrokerConfig(String message) {
            super(message);
        }
    }
}
