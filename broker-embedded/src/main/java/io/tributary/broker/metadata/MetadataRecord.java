package io.tributary.broker.metadata;

import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * A change to the cluster's metadata. The controller writes these to the {@link MetadataLog}; every node applies
 * them, in order, to its {@link MetadataImage} (live, and again when it replays the log at start).
 */
public sealed interface MetadataRecord {

    /** A topic was created with this name and id. */
    record TopicRecord(String name, Uuid topicId) implements MetadataRecord {
    }

    /** The full state of one partition: created, or changed (leader, ISR, replicas). */
    record PartitionRecord(Uuid topicId, int partition, List<Integer> replicas, List<Integer> isr, int leader,
                           int leaderEpoch, int partitionEpoch) implements MetadataRecord {
        public PartitionRecord {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    /** A topic and all its partitions were deleted. */
    record RemoveTopicRecord(Uuid topicId) implements MetadataRecord {
    }

    /**
     * A dynamic config was set ({@code value != null}) or removed. {@code resourceType} is
     * {@link ConfigResourceKind}; {@code resourceName} is the topic name, a broker id, or "" for the cluster-wide
     * broker default.
     */
    record ConfigRecord(ConfigResourceKind resourceType, String resourceName, String name, String value)
            implements MetadataRecord {
    }

    /** Producer ids below {@code nextProducerId} have been handed out. */
    record ProducerIdsRecord(int brokerId, long nextProducerId) implements MetadataRecord {
    }

    /**
     * A broker registered (or registered again after a restart, with a new incarnation and epoch). A broker starts
     * fenced: it holds no leadership until the controller unfences it on a heartbeat.
     */
    record RegisterBrokerRecord(int brokerId, Uuid incarnationId, long brokerEpoch, List<BrokerEndpoint> endpoints,
                                String rack, boolean fenced) implements MetadataRecord {
        public RegisterBrokerRecord {
            endpoints = List.copyOf(endpoints);
        }
    }

    /** The controller fenced a broker (it stopped heartbeating) or unfenced it (it is caught up and alive). */
    record BrokerFenceRecord(int brokerId, long brokerEpoch, boolean fenced) implements MetadataRecord {
    }

    /** A broker left the cluster for good (UnregisterBroker). */
    record UnregisterBrokerRecord(int brokerId, long brokerEpoch) implements MetadataRecord {
    }

    /** Where a broker's listener accepts connections. */
    record BrokerEndpoint(String listener, String host, int port) {
    }

    /** The kind of resource a {@link ConfigRecord} applies to. */
    enum ConfigResourceKind {
        TOPIC, BROKER
    }
}
