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
    /**
     * Broker configs that fall back to others when unset (Kafka's DynamicBrokerConfig.brokerConfigSynonyms), in
     * priority order. Each is the synonym group of every name in it, except {@code log.flush.interval.ms}, whose
     * fallback {@code log.flush.scheduler.interval.ms} is a setting of its own.
     */
    private static final List<List<String>> FALLBACKS = List.of(
            List.of("log.roll.ms", "log.roll.hours"),
            List.of("log.roll.jitter.ms", "log.roll.jitter.hours"),
            List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours"));
    private static final String LOG_FLUSH_INTERVAL_MS = "log.flush.interval.ms";
    private static final String LOG_FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";

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
            if (synonym == null) {
                continue;
            }
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

    /**
     * Every topic config of {@code topic} with its effective value, source and synonyms, as Kafka's ConfigHelper
     * describes them: the topic's override, then the broker synonyms of its broker property; DEFAULT_CONFIG with no
     * synonym when neither exists (a config without broker property, or one like {@code retention.ms} whose broker
     * property {@code log.retention.ms} has no default).
     */
    public List<ConfigEntry> describeTopic(MetadataImage image, String topic) {
        Map<String, String> overrides = image.topicConfig(topic);
        Map<String, Object> values = LogConfig.effectiveValues(topicDefaults(image), overrides);
        var entries = new ArrayList<ConfigEntry>();
        for (LogConfig.Key key : LogConfig.keys()) {
            var synonyms = new ArrayList<ConfigEntry.Synonym>();
            if (overrides.containsKey(key.name())) {
                synonyms.add(new ConfigEntry.Synonym(key.name(), overrides.get(key.name()),
                        ConfigSource.DYNAMIC_TOPIC_CONFIG));
            }
            if (key.brokerSynonym() != null) {
                synonyms.addAll(brokerSynonyms(image, key.brokerSynonym()));
            }
            ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
            entries.add(new ConfigEntry(key.name(), LogConfig.render(values.get(key.name())), source, false, false,
                    synonyms));
        }
        return entries;
    }

    /**
     * Every broker config of this node with value, source and synonyms; for the cluster default ({@code ""})
     * without this node's own dynamic settings.
     */
    public List<ConfigEntry> describeBroker(MetadataImage image, boolean clusterDefault) {
        var entries = new ArrayList<ConfigEntry>();
        var dynamicNames = new HashMap<String, LogConfig.Key>();
        for (LogConfig.Key key : LogConfig.keys()) {
            if (key.brokerSynonym() != null) {
                dynamicNames.put(key.brokerSynonym(), key);
            }
        }
        for (var config : defaults.brokerConfigValues().entrySet()) {
            String name = config.getKey();
            List<ConfigEntry.Synonym> synonyms = brokerSynonyms(image, name);
            if (clusterDefault) {
                synonyms = synonyms.stream().filter(s -> s.source() != ConfigSource.DYNAMIC_BROKER_CONFIG).toList();
            }
            String value = synonyms.isEmpty() ? config.getValue() : synonyms.get(0).value();
            ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
            entries.add(new ConfigEntry(name, value, source, !dynamicNames.containsKey(name), false, synonyms));
        }
        return entries;
    }

    /**
     * Kafka's ConfigHelper.configSynonyms: the broker config {@code name} and those it falls back to, by source
     * (dynamic for this node, dynamic cluster-wide, static, Kafka's default), each source in the group's priority
     * order; then everything before the first entry named {@code name} is dropped. So {@code log.retention.ms},
     * which has no default, lists {@code log.retention.hours=168} only after a value of its own.
     */
    private List<ConfigEntry.Synonym> brokerSynonyms(MetadataImage image, String name) {
        List<String> group = synonymGroup(name);
        Map<String, String> nodeDynamic = image.brokerConfig(String.valueOf(defaults.nodeId()));
        Map<String, String> clusterDynamic = image.brokerConfig("");
        var synonyms = new ArrayList<ConfigEntry.Synonym>();
        for (String synonym : group) {
            add(synonyms, synonym, nodeDynamic.get(synonym), ConfigSource.DYNAMIC_BROKER_CONFIG);
        }
        for (String synonym : group) {
            add(synonyms, synonym, clusterDynamic.get(synonym), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        }
        for (String synonym : group) {
            if (defaults.explicitBrokerConfigs().contains(synonym)) {
                add(synonyms, synonym, defaults.brokerConfigValues().get(synonym), ConfigSource.STATIC_BROKER_CONFIG);
            }
        }
        for (String synonym : group) {
            add(synonyms, synonym, defaults.brokerConfigDefaults().get(synonym), ConfigSource.DEFAULT_CONFIG);
        }
        int first = 0;
        while (first < synonyms.size() && !synonyms.get(first).name().equals(name)) {
            first++;
        }
        return synonyms.subList(first, synonyms.size());
    }

    private static void add(List<ConfigEntry.Synonym> synonyms, String name, String value, ConfigSource source) {
        if (value != null) {
            synonyms.add(new ConfigEntry.Synonym(name, value, source));
        }
    }

    private static List<String> synonymGroup(String name) {
        for (List<String> group : FALLBACKS) {
            if (group.contains(name)) {
                return group;
            }
        }
        return name.equals(LOG_FLUSH_INTERVAL_MS) ? List.of(LOG_FLUSH_INTERVAL_MS, LOG_FLUSH_SCHEDULER_INTERVAL_MS)
                : List.of(name);
    }
}
