package io.tributary.broker.metadata;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/** One topic in a {@link MetadataImage}: name, id, and its partitions by index. Immutable. */
public record TopicImage(String name, Uuid id, SortedMap<Integer, PartitionRegistration> partitions) {
    public TopicImage {
        partitions = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
    }

    TopicImage withPartition(int partition, PartitionRegistration registration) {
        var updated = new TreeMap<>(partitions);
        updated.put(partition, registration);
        return new TopicImage(name, id, updated);
    }

    public int partitionCount() {
        return partitions.size();
    }

    public static TopicImage empty(String name, Uuid id) {
        return new TopicImage(name, id, new TreeMap<>(Map.of()));
    }
}
