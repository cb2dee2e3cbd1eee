package io.tributary.broker.network;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * This node's client to the other nodes of the cluster (Kafka's inter-broker {@code NetworkClient}): one connection
 * per destination node, opened on first use, with an ApiVersions handshake so each request goes at the highest
 * version both sides know, framed and parsed by kafka-clients' own codecs. See {@link NodeConnection} for the
 * connection's life: request timeout, connect timeout, reconnection with backoff, and every waiting request failed
 * (DisconnectException, TimeoutException) when its connection drops or this client closes.
 *
 * <p>{@link #send} never blocks: the work goes to the connection's Netty event loop, and the future completes there,
 * so a caller that does slow work with the answer (disk, locks) moves it to its own thread. Requests must expect a
 * response (not Produce with acks=0). A {@link LinkFilter} decides which links carry traffic: tests cut links with
 * it. Thread-safe.
 */
public final class NodeClient implements AutoCloseable {
    /** One connection: to a node, in one lane. */
    private record ConnectionKey(int nodeId, int lane) {
    }

    private final String clientId;
    private final int localNodeId;
    private final EventLoopGroup group;
    private final int connectTimeoutMs;
    private final long requestTimeoutMs;
    private final LinkFilter linkFilter;
    private final ConcurrentHashMap<ConnectionKey, NodeConnection> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public NodeClient(String clientId, int localNodeId, EventLoopGroup group, Duration connectTimeout,
                      Duration requestTimeout) {
        this(clientId, localNodeId, group, connectTimeout, requestTimeout, LinkFilter.ALLOW_ALL);
    }

    /**
     * @param localNodeId this node's id, the {@code fromNode} of {@code linkFilter}
     * @param group       event loops of NIO transport (the broker's own); the caller shuts it down after
     *                    {@link #close()}
     */
    public NodeClient(String clientId, int localNodeId, EventLoopGroup group, Duration connectTimeout,
                      Duration requestTimeout, LinkFilter linkFilter) {
        this.clientId = clientId;
        this.localNodeId = localNodeId;
        this.group = group;
        this.connectTimeoutMs = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.requestTimeoutMs = requestTimeout.toMillis();
        this.linkFilter = linkFilter;
    }

    /**
     * Sends {@code request} to {@code node}, connecting first if needed. The future completes with the response
     * (its error codes are the caller's to read), or fails: UnsupportedVersionException when the node serves no
     * version this client can build, TimeoutException after the request timeout, DisconnectException when the
     * connection failed or this client closed. A node known under another address is reconnected to there.
     */
    public CompletableFuture<AbstractResponse> send(Endpoint node, AbstractRequest.Builder<?> request) {
        return send(node, 0, request);
    }

    /**
     * As {@link #send(Endpoint, AbstractRequest.Builder)}, over this client's connection number {@code lane} to the
     * node. A node answers the requests of one connection in order, and ours one at a time, so a request that waits
     * at the node (a long-poll Fetch) holds up the others on its connection: each replica fetcher thread sends on a
     * lane of its own, as each of Kafka's fetcher threads has its own connection.
     */
    public CompletableFuture<AbstractResponse> send(Endpoint node, int lane, AbstractRequest.Builder<?> request) {
        var future = new CompletableFuture<AbstractResponse>();
        if (closed) {
            future.completeExceptionally(new DisconnectException("The client to " + node + " is closed"));
            return future;
        }
        NodeConnection connection = connections.compute(new ConnectionKey(node.nodeId(), lane), (key, existing) -> {
            if (existing != null && existing.endpoint().equals(node)) {
                return existing;
            }
            if (existing != null) {
                existing.close();
            }
            return new NodeConnection(node, group.next(), clientId, localNodeId, connectTimeoutMs, requestTimeoutMs,
                    linkFilter);
        });
        connection.send(request, future);
        if (closed) {
            connection.close(); // raced with close(): fail what it may have missed
        }
        return future;
    }

    /** Closes the connections to {@code nodeId}, failing what waits on them (a node that left the cluster). */
    public void disconnect(int nodeId) {
        connections.entrySet().removeIf(entry -> {
            if (entry.getKey().nodeId() != nodeId) {
                return false;
            }
            entry.getValue().close();
            return true;
        });
    }

    /** Closes every connection; whatever waits fails with a DisconnectException, and so do later sends. */
    @Override
    public void close() {
        closed = true;
        for (NodeConnection connection : connections.values()) {
            connection.close();
        }
        connections.clear();
    }
}
