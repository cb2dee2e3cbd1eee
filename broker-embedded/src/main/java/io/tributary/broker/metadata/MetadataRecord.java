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

    /** The kind of resource a {@link ConfigRecord} applies to. */
    enum ConfigResourceKind {
        TOPIC, BROKER
    }
}
