package io.tributary.broker.server;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;

/**
 * A coordinator's internal topic ({@code __consumer_offsets}, {@code __transaction_state}) as seen from this node:
 * its partition count in the current metadata image, the partitions it leads, and appends through the replica
 * manager with acks=all as a coordinator (trusted, not verified as a client's produce).
 */
final class InternalTopic {
    private final String name;
    private final Controller controller;
    private final ReplicaManager replicaManager;

    InternalTopic(String name, Controller controller, ReplicaManager replicaManager) {
        this.name = name;
        this.controller = controller;
        this.replicaManager = replicaManager;
    }

    /** Partitions of the topic, or -1 while it does not exist. */
    int partitionCount() {
        TopicImage topic = controller.image().topic(name);
        return topic == null ? -1 : topic.partitions().size();
    }

    /** The hosted replica of {@code partition}, or null. */
    Partition partition(int partition) {
        return replicaManager.partition(new TopicPartition(name, partition));
    }

    boolean isLeader(int partition) {
        Partition hosted = partition(partition);
        return hosted != null && hosted.isLeader();
    }

    CompletableFuture<PartitionResponse> append(int partition, MemoryRecords records) {
        var tp = new TopicPartition(name, partition);
        return replicaManager.appendRecords((short) -1, Map.of(tp, records)).thenApply(responses -> responses.get(tp));
    }
}
