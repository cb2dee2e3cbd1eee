package io.tributary.broker.replication;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * How replication reaches another node of the cluster: the replica fetchers send their Fetch and ListOffsets
 * requests through it. The server wires it to the network layer's {@code NodeClient}, finding the node's listener in
 * the metadata image (the layering keeps {@code replication} below {@code network}).
 *
 * <p>Must not block. The future completes with the node's response, at the highest version both sides know, or
 * fails: a {@code DisconnectException} or {@code TimeoutException} when the node cannot be reached or does not
 * answer in time (a fetcher backs off), an {@code UnsupportedVersionException}, or any exception for a node the
 * sender does not know.
 */
@FunctionalInterface
public interface InterBrokerSender {

    CompletableFuture<AbstractResponse> send(int nodeId, AbstractRequest.Builder<?> request);

    /**
     * As {@link #send(int, AbstractRequest.Builder)}, on connection {@code lane} to the node
     * ({@code NodeClient.send(Endpoint, int, Builder)}): each replica fetcher thread uses its own, so its long-poll
     * fetches never hold up another's. By default there is one connection for all.
     */
    default CompletableFuture<AbstractResponse> send(int nodeId, int lane, AbstractRequest.Builder<?> request) {
        return send(nodeId, request);
    }
}
