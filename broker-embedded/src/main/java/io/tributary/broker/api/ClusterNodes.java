package io.tributary.broker.api;

import io.tributary.broker.metadata.BrokerRegistration;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Node;

/**
 * The brokers clients are told about (Metadata, DescribeCluster, FindCoordinator): the registered, unfenced ones at
 * their client endpoints, with their racks. Before this node's own registration is in the image (the first moments
 * of a start), this node alone.
 */
final class ClusterNodes {
    private ClusterNodes() {
    }

    static List<Node> live(MetadataImage image, LocalNode self) {
        var nodes = new ArrayList<Node>();
        for (BrokerRegistration broker : image.brokers().values()) {
            BrokerEndpoint endpoint = broker.endpoint();
            if (!broker.fenced() && endpoint != null) {
                nodes.add(new Node(broker.id(), endpoint.host(), endpoint.port(), broker.rack()));
            }
        }
        if (nodes.stream().noneMatch(node -> node.id() == self.nodeId()) && self.endpoint() != null
                && image.broker(self.nodeId()) == null) {
            nodes.add(self.endpoint());
        }
        return nodes;
    }

    /** The node of {@code id} when it is live, else null. */
    static Node node(MetadataImage image, LocalNode self, int id) {
        for (Node node : live(image, self)) {
            if (node.id() == id) {
                return node;
            }
        }
        return null;
    }

    /** Whether broker {@code id} is registered and unfenced (this node counts before it registered). */
    static boolean isLive(MetadataImage image, LocalNode self, int id) {
        BrokerRegistration broker = image.broker(id);
        return broker != null ? !broker.fenced() : id == self.nodeId();
    }

    /**
     * The controller id clients are told: the active controller when it is a live broker, else the lowest live
     * broker, as Kafka's brokers answer (clients cannot reach a controller-only node anyway).
     */
    static int controllerId(MetadataImage image, LocalNode self, int activeController) {
        List<Node> live = live(image, self);
        for (Node node : live) {
            if (node.id() == activeController) {
                return activeController;
            }
        }
        return live.isEmpty() ? self.nodeId() : live.get(0).id();
    }
}
