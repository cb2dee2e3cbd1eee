package io.tributary.broker.metadata;

import io.tributary.broker.log.LogConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;

/**
 * Resolves effective configs in Kafka's precedence order: dynamic topic config, dynamic broker config for this
 * node, dynamic cluster-wide default, static broker config, Kafka's default. Used for partition logs and for
 * DescribeConfigs (which also reports each source and the synonyms).
 */
public final class ConfigResolver {
    private final ClusterDefaults defaults;

    public ConfigResolver(ClusterDefaults defaults) {
        this.defaults = defaults;
    }

    /** Topic config defaults after dynamic broker configs, keyed by topic config name. */
    public Map<String, Object> topicDefaults(MetadataImage image) {
        var result = new HashMap<>(defaults.staticTopicDefaults());
        Map<String, String> clusterDynamic = image.brokerConfig("");
        Map<String, String> nodeDynamic = image.brokerConfig(String.valueOf(defaults.nodeId()));
        for (LogConfig.Key key : LogConfig.keys()) {
            String synonym = key.brokerSynonym();
            String value = nodeDynamic.getOrDefault(synonym, clusterDynamic.get(synonym));
            if (value != null) {
                result.put(key.name(), LogConfig.parse(key.name(), value));
            }
        }
        return result;
    }

    public LogConfig logConfig(MetadataImage image, String topic) {
        return LogConfig.of(topicDefaults(image), image.topicConfig(topic));
    }

    /** Every topic config of {@code topic} with value, source and synonyms. */
    public List<ConfigEntry> describeTopic(MetadataImage image, String topic) {
        Map<String, String> overrides = image.topicConfig(topic);
        var entries = new ArrayList<ConfigEntry>();
        for (LogConfig.Key key : LogConfig.keys()) {
            var synonyms = new ArrayList<ConfigEntry.Synonym>();
            if (overrides.containsKey(key.name())) {
                synonyms.add(new ConfigEntry.Synonym(key.name(), overrides.get(key.name()),
                        ConfigSource.DYNAMIC_TOPIC_CONFIG));
            }
            synonyms.addAll(brokerSynonyms(image, key.brokerSynonym(), key));
            ConfigEntry.Synonym winner = synonyms.get(0);
            entries.add(new ConfigEntry(key.name(), winner.value(), winner.source(), false, false, synonyms));
        }
        return entries;
    }

    /** Every broker config of this node with value, source and synonyms. */
    public List<ConfigEntry> describeBroker(MetadataImage image, boolean clusterDefault) {
        var entries = new ArrayList<ConfigEntry>();
        Map<String, LogConfig.Key> topicKeysBySynonym = new HashMap<>();
        for (LogConfig.Key key : LogConfig.keys()) {
            topicKeysBySynonym.put(key.brokerSynonym(), key);
        }
        for (var config : defaults.brokerConfigValues().entrySet()) {
            String name = config.getKey();
            LogConfig.Key topicKey = topicKeysBySynonym.get(name);
            List<ConfigEntry.Synonym> synonyms = brokerSynonyms(image, name, topicKey);
            if (clusterDefault) {
                synonyms = synonyms.stream().filter(s -> s.source() != ConfigSource.DYNAMIC_BROKER_CONFIG).toList();
            }
            ConfigEntry.Synonym winner = synonyms.get(0);
            entries.add(new ConfigEntry(name, winner.value(), winner.source(), topicKey == null, false, synonyms));
        }
        return entries;
    }

    private List<ConfigEntry.Synonym> brokerSynonyms(MetadataImage image, String brokerName, LogConfig.Key topicKey) {
        var synonyms = new ArrayList<ConfigEntry.Synonym>();
        String node = String.valueOf(defaults.nodeId());
        if (brokerName != null) {
            String nodeValue = image.brokerConfig(node).get(brokerName);
            if (nodeValue != null) {
                synonyms.add(new ConfigEntry.Synonym(brokerName, nodeValue, ConfigSource.DYNAMIC_BROKER_CONFIG));
            }
            String clusterValue = image.brokerConfig("").get(brokerName);
            if (clusterValue != null) {
                synonyms.add(new ConfigEntry.Synonym(brokerName, clusterValue,
                        ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
            }
            if (defaults.explicitBrokerConfigs().contains(brokerName)) {
                synonyms.add(new ConfigEntry.Synonym(brokerName, defaults.brokerConfigValues().get(brokerName),
                        ConfigSource.STATIC_BROKER_CONFIG));
            }
        }
        // DEFAULT_CONFIG is Kafka's own default, also when a static setting (listed above it) overrides it.
        boolean explicit = brokerName != null && defaults.explicitBrokerConfigs().contains(brokerName);
        if (topicKey != null) {
            // A static default derived from another synonym (log.retention.hours for log.retention.ms) is shown here.
            Object effectiveStatic = defaults.staticTopicDefaults().get(topicKey.name());
            String value = LogConfig.render(!explicit && effectiveStatic != null ? effectiveStatic
                    : topicKey.defaultValue());
            synonyms.add(new ConfigEntry.Synonym(brokerName != null ? brokerName : topicKey.name(), value,
                    ConfigSource.DEFAULT_CONFIG));
        } else if (brokerName != null) {
            synonyms.add(new ConfigEntry.Synonym(brokerName, explicit ? defaults.brokerConfigDefaults().get(brokerName)
                    : defaults.brokerConfigValues().get(brokerName), ConfigSource.DEFAULT_CONFIG));
        }
        return synonyms;
    }
}
