package io.tributary.broker.network;

/** Where another node of the cluster listens for its peers: its node id and the host and port of that listener. */
public record Endpoint(int nodeId, String host, int port) {
    @Override
    public String toString() {
        return "node " + nodeId + " (" + host + ":" + port + ")";
    }
}
