package io.tributary.broker.api;

import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * A partition's leader and offline replicas as this node describes them to clients (Metadata,
 * DescribeTopicPartitions): the registration's leader, unless this node leads it from a log directory that failed;
 * offline, the replicas on brokers that are fenced or gone, and this node's own when its directory failed.
 */
record PartitionView(int leader, List<Integer> offlineReplicas) {
    static PartitionView of(MetadataImage image, LocalNode node, ReplicaManager replicaManager, String topic,
                            int partition, PartitionRegistration registration) {
        // This node's replica sits in a log directory that failed: it is an offline replica, and no leader, as
        // Kafka's controller publishes it once the broker reports the directory (ours is not told yet).
        boolean offlineHere = replicaManager.isOffline(new TopicPartition(topic, partition));
        int leader = offlineHere && registration.leader() == node.nodeId() ? -1 : registration.leader();
        var offline = new ArrayList<Integer>();
        for (int replica : registration.replicas()) {
            if (!ClusterNodes.isLive(image, node, replica) || (offlineHere && replica == node.nodeId())) {
                offline.add(replica);
            }
        }
        return new PartitionView(leader, offline);
    }
}
