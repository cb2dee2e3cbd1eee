package io.tributary.broker.network;

/**
 * Which links between nodes carry traffic, asked by {@link NodeClient} before it connects to a node, before it sends
 * a request there, and before it hands a response from there to its caller. A blocked link behaves like an
 * unreachable host: a connection cannot be made, and what is sent over an open one is lost, so the request times
 * out. Tests of a cluster in one JVM cut links or isolate a node with it (issue 15); a real node allows every link.
 *
 * <p>Called on Netty event loop threads: it must be cheap and must not block.
 */
@FunctionalInterface
public interface LinkFilter {
    LinkFilter ALLOW_ALL = (fromNode, toNode) -> true;

    /** Whether bytes sent by {@code fromNode} reach {@code toNode}. */
    boolean allows(int fromNode, int toNode);
}
