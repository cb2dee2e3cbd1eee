package io.tributary.broker.api;

import io.tributary.broker.metadata.BrokerRegistration;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;

/**
 * Fetching from the closest replica (KIP-392), as Kafka's {@code RackAwareReplicaSelector} chooses it when a broker
 * sets {@code replica.selector.class} to it: a consumer that names its rack ({@code client.rack}, Fetch v11+) and
 * fetches from a leader in another rack is sent to an in-sync replica in its own rack, if there is one (the lowest
 * node id among them); the follower then serves it up to its high watermark. Without a rack, or with the leader in
 * the consumer's rack, the leader serves it.
 */
final class ReadReplicaSelector {
    private final int localNodeId;

    ReadReplicaSelector(int localNodeId) {
        this.localNodeId = localNodeId;
    }

    /** The node a consumer in {@code clientRack} should fetch this partition from, or -1 to read it here. */
    int preferredReadReplica(MetadataImage image, String topic, int partition, String clientRack) {
        if (clientRack == null || clientRack.isEmpty()) {
            return -1;
        }
        TopicImage topicImage = image.topic(topic);
        PartitionRegistration registration = topicImage == null ? null : topicImage.partitions().get(partition);
        if (registration == null || registration.leader() != localNodeId) {
            return -1;
        }
        BrokerRegistration self = image.broker(localNodeId);
        if (self != null && clientRack.equals(self.rack())) {
            return -1;
        }
        int preferred = -1;
        for (int replica : registration.isr()) {
            BrokerRegistration broker = image.broker(replica);
            if (replica != localNodeId && broker != null && !broker.fenced() && clientRack.equals(broker.rack())
                    && (preferred < 0 || replica < preferred)) {
                preferred = replica;
            }
        }
        return preferred;
    }
}
