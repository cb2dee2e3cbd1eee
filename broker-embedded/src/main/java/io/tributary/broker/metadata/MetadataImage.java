package io.tributary.broker.metadata;

import io.tributary.broker.metadata.MetadataRecord.BrokerFenceRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.ProducerIdsRecord;
import io.tributary.broker.metadata.MetadataRecord.RegisterBrokerRecord;
import io.tributary.broker.metadata.MetadataRecord.UnregisterBrokerRecord;
import io.tributary.broker.metadata.MetadataRecord.RemoveTopicRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * The cluster's metadata at one point of the metadata log: registered brokers, topics (by name and id) with their
 * partitions, dynamic topic and broker configs, and the producer-id high mark. Immutable; a node swaps in a new image after
 * applying records, so readers never lock.
 */
public final class MetadataImage {
    public static final MetadataImage EMPTY = new MetadataImage(Map.of(), Map.of(), Map.of(), Map.of(), 0L, Map.of());

    private final Map<String, TopicImage> topicsByName;
    private final Map<Uuid, TopicImage> topicsById;
    private final Map<String, Map<String, String>> topicConfigs;
    private final Map<String, Map<String, String>> brokerConfigs;
    private final long nextProducerId;
    /** By broker id, in id order. */
    private final Map<Integer, BrokerRegistration> brokers;

    private MetadataImage(Map<String, TopicImage> topicsByName, Map<Uuid, TopicImage> topicsById,
                          Map<String, Map<String, String>> topicConfigs, Map<String, Map<String, String>> brokerConfigs,
                          long nextProducerId, Map<Integer, BrokerRegistration> brokers) {
        this.brokers = brokers;
        this.topicsByName = topicsByName;
        this.topicsById = topicsById;
        this.topicConfigs = topicConfigs;
        this.brokerConfigs = brokerConfigs;
        this.nextProducerId = nextProducerId;
    }

    public Map<String, TopicImage> topicsByName() {
        return topicsByName;
    }

    public TopicImage topic(String name) {
        return topicsByName.get(name);
    }

    public TopicImage topic(Uuid id) {
        return topicsById.get(id);
    }

    /** Dynamic overrides of a topic; empty when none. */
    public Map<String, String> topicConfig(String topic) {
        return topicConfigs.getOrDefault(topic, Map.of());
    }

    /** Dynamic broker configs of one broker id, or of "" (the cluster-wide default). */
    public Map<String, String> brokerConfig(String resourceName) {
        return brokerConfigs.getOrDefault(resourceName, Map.of());
    }

    public long nextProducerId() {
        return nextProducerId;
    }

    /** Every registered broker, fenced or not, by id in ascending order. */
    public Map<Integer, BrokerRegistration> brokers() {
        return brokers;
    }

    public BrokerRegistration broker(int id) {
        return brokers.get(id);
    }

    /** The ids of the registered brokers that are not fenced, ascending. */
    public List<Integer> unfencedBrokerIds() {
        var ids = new ArrayList<Integer>();
        brokers.forEach((id, broker) -> {
            if (!broker.fenced()) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** Applies one batch of records and returns the resulting image. */
    public MetadataImage apply(List<MetadataRecord> records) {
        var builder = new Builder(this);
        records.forEach(builder::replay);
        return builder.build();
    }

    /** The records that rebuild this image from empty (a snapshot). */
    public List<MetadataRecord> toRecords() {
        var records = new ArrayList<MetadataRecord>();
        for (BrokerRegistration broker : brokers.values()) {
            records.add(new RegisterBrokerRecord(broker.id(), broker.incarnationId(), broker.epoch(),
                    broker.endpoints(), broker.rack(), broker.fenced()));
        }
        for (TopicImage topic : topicsByName.values()) {
            records.add(new TopicRecord(topic.name(), topic.id()));
            topic.partitions().forEach((index, p) -> records.add(new PartitionRecord(topic.id(), index, p.replicas(),
                    p.isr(), p.leader(), p.leaderEpoch(), p.partitionEpoch())));
        }
        topicConfigs.forEach((topic, configs) -> configs.forEach((name, value) ->
                records.add(new ConfigRecord(ConfigResourceKind.TOPIC, topic, name, value))));
        brokerConfigs.forEach((broker, configs) -> configs.forEach((name, value) ->
                records.add(new ConfigRecord(ConfigResourceKind.BROKER, broker, name, value))));
        if (nextProducerId > 0) {
            records.add(new ProducerIdsRecord(-1, nextProducerId));
        }
        return records;
    }

    /** Mutable working copy used to replay many records at once; {@link #build()} freezes it. */
    public static final class Builder {
        private final Map<String, TopicImage> topicsByName;
        private final Map<Uuid, TopicImage> topicsById;
        private final Map<String, Map<String, String>> topicConfigs;
        private final Map<String, Map<String, String>> brokerConfigs;
        private long nextProducerId;
        private final Map<Integer, BrokerRegistration> brokers;

        public Builder(MetadataImage base) {
            brokers = new TreeMap<>(base.brokers);
            topicsByName = new HashMap<>(base.topicsByName);
            topicsById = new HashMap<>(base.topicsById);
            topicConfigs = new HashMap<>(base.topicConfigs);
            brokerConfigs = new HashMap<>(base.brokerConfigs);
            nextProducerId = base.nextProducerId;
        }

        public void replay(MetadataRecord record) {
            if (record instanceof TopicRecord topic) {
                TopicImage image = TopicImage.empty(topic.name(), topic.topicId());
                topicsByName.put(topic.name(), image);
                topicsById.put(topic.topicId(), image);
            } else if (record instanceof PartitionRecord partition) {
                TopicImage topic = topicsById.get(partition.topicId());
                if (topic == null) {
                    return;
                }
                TopicImage updated = topic.withPartition(partition.partition(), new PartitionRegistration(
                        partition.replicas(), partition.isr(), partition.leader(), partition.leaderEpoch(),
                        partition.partitionEpoch()));
                topicsByName.put(updated.name(), updated);
                topicsById.put(updated.id(), updated);
            } else if (record instanceof RemoveTopicRecord remove) {
                TopicImage topic = topicsById.remove(remove.topicId());
                if (topic != null) {
                    topicsByName.remove(topic.name());
                    topicConfigs.remove(topic.name());
                }
            } else if (record instanceof ConfigRecord config) {
                var configs = config.resourceType() == ConfigResourceKind.TOPIC ? topicConfigs : brokerConfigs;
                var updated = new HashMap<>(configs.getOrDefault(config.resourceName(), Map.of()));
                if (config.value() == null) {
                    updated.remove(config.name());
                } else {
                    updated.put(config.name(), config.value());
                }
                if (updated.isEmpty()) {
                    configs.remove(config.resourceName());
                } else {
                    configs.put(config.resourceName(), Collections.unmodifiableMap(updated));
                }
            } else if (record instanceof ProducerIdsRecord ids) {
                nextProducerId = Math.max(nextProducerId, ids.nextProducerId());
            } else if (record instanceof RegisterBrokerRecord broker) {
                brokers.put(broker.brokerId(), new BrokerRegistration(broker.brokerId(), broker.incarnationId(),
                        broker.brokerEpoch(), broker.endpoints(), broker.rack(), broker.fenced()));
            } else if (record instanceof BrokerFenceRecord fence) {
                BrokerRegistration broker = brokers.get(fence.brokerId());
                // A record for an older registration of the broker changes nothing.
                if (broker != null && broker.epoch() == fence.brokerEpoch()) {
                    brokers.put(broker.id(), broker.withFenced(fence.fenced()));
                }
            } else if (record instanceof UnregisterBrokerRecord unregister) {
                BrokerRegistration broker = brokers.get(unregister.brokerId());
                if (broker != null && broker.epoch() == unregister.brokerEpoch()) {
                    brokers.remove(unregister.brokerId());
                }
            }
        }

        public MetadataImage build() {
            return new MetadataImage(Map.copyOf(topicsByName), Map.copyOf(topicsById), Map.copyOf(topicConfigs),
                    Map.copyOf(brokerConfigs), nextProducerId, Collections.unmodifiableMap(new TreeMap<>(brokers)));
        }
    }
}
