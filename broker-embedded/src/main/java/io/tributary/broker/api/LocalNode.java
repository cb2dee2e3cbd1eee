package io.tributary.broker.api;

import org.apache.kafka.common.Node;

/**
 * This broker as clients see it: node id, cluster id, and the advertised endpoint (known once the listener is
 * bound, which is why it is settable).
 */
public final class LocalNode {
    private final int nodeId;
    private final String clusterId;
    private volatile Node endpoint;

    public LocalNode(int nodeId, String clusterId) {
        this.nodeId = nodeId;
        this.clusterId = clusterId;
    }

    public int nodeId() {
        return nodeId;
    }

    public String clusterId() {
        return clusterId;
    }

    public Node endpoint() {
        return endpoint;
    }

    public void advertise(String host, int port) {
        this.endpoint = new Node(nodeId, host, port);
    }
}
