package io.tributary.broker.server;

import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.network.LinkFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * N broker nodes in one JVM, each with its own ports and data directory, forming one cluster: every node is a
 * broker and a voter of the controller quorum, as a cluster started from N property files would be. For tests and
 * development: start it, point clients at {@link #bootstrapServers()}, and inject faults: {@link #kill} a node (no
 * controlled shutdown, no checkpoints: its next start recovers), {@link #stop} it cleanly, {@link #restart} it on
 * the same ports and data.
 *
 * <pre>{@code
 * try (LocalCluster cluster = LocalCluster.start(3, dir, Map.of())) {
 *     String bootstrap = cluster.bootstrapServers();
 *     cluster.kill(cluster.leaderOf("orders", 0));
 *     cluster.awaitLeadersAndFullIsr(Duration.ofSeconds(30));
 * }
 * }</pre>
 */
public final class LocalCluster implements AutoCloseable {
    /** In an override's value, stands for the id of the node it is applied to. */
    public static final String NODE_ID_PLACEHOLDER = "{node.id}";

    private final Path root;
    private final Map<String, String> overrides;
    private final Map<Integer, Integer> clientPorts = new TreeMap<>();
    private final Map<Integer, Integer> controllerPorts = new TreeMap<>();
    private final Map<Integer, Broker> running = new TreeMap<>();
    /** Cut links, {@code from << 32 | to}; consulted by every node's connections to the others. */
    private final Set<Long> cutLinks = ConcurrentHashMap.newKeySet();
    private final LinkFilter links = (from, to) -> !cutLinks.contains(link(from, to));

    private LocalCluster(Path root, Map<String, String> overrides) {
        this.root = root;
        this.overrides = Map.copyOf(overrides);
    }

    /**
     * Starts {@code nodes} nodes (ids 1..N) under {@code root}, with {@code overrides} applied to each node's
     * properties ({@value #NODE_ID_PLACEHOLDER} in a value becomes the node's id, e.g. {@code broker.rack=rack-{node.id}});
     * returns once every node is registered and unfenced.
     */
    public static LocalCluster start(int nodes, Path root, Map<String, String> overrides) {
        if (nodes < 1) {
            throw new IllegalArgumentException("A cluster has at least one node");
        }
        var cluster = new LocalCluster(root, overrides);
        for (int id = 1; id <= nodes; id++) {
            cluster.clientPorts.put(id, FreePorts.next());
            cluster.controllerPorts.put(id, FreePorts.next());
        }
        try {
            cluster.startAll(List.copyOf(cluster.clientPorts.keySet()));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Starts the nodes at once: each waits for a quorum of the others to register it. */
    private void startAll(List<Integer> ids) {
        var starting = new LinkedHashMap<Integer, CompletableFuture<Broker>>();
        for (int id : ids) {
            starting.put(id, CompletableFuture.supplyAsync(() -> Broker.start(config(id), links)));
        }
        RuntimeException failure = null;
        for (var entry : starting.entrySet()) {
            try {
                Broker broker = entry.getValue().get(5, TimeUnit.MINUTES);
                synchronized (this) {
                    running.put(entry.getKey(), broker);
                }
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException runtime ? runtime
                        : new IllegalStateException(e.getCause());
                failure = failure == null ? cause : failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("Interrupted while starting node " + entry.getKey(), e);
            } catch (TimeoutException e) {
                failure = new IllegalStateException("Node " + entry.getKey() + " did not start in 5 minutes");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Node {@code id}'s properties: its ports, its data directory, the quorum of every node. */
    public BrokerConfig config(int id) {
        var properties = new HashMap<String, String>();
        properties.put(BrokerConfig.NODE_ID, String.valueOf(id));
        properties.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + clientPorts.get(id)
                + ",CONTROLLER://127.0.0.1:" + controllerPorts.get(id));
        properties.put(BrokerConfig.CONTROLLER_QUORUM_VOTERS, controllerPorts.entrySet().stream()
                .map(voter -> voter.getKey() + "@127.0.0.1:" + voter.getValue())
                .collect(Collectors.joining(",")));
        properties.put(BrokerConfig.LOG_DIRS, root.resolve("node-" + id).toString());
        overrides.forEach((name, value) -> properties.put(name, value.replace(NODE_ID_PLACEHOLDER,
                String.valueOf(id))));
        return BrokerConfig.fromMap(properties);
    }

    /** Every node's client address, {@code host:port,...}, running or not. */
    public String bootstrapServers() {
        return clientPorts.values().stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    public synchronized List<Integer> runningNodes() {
        return List.copyOf(running.keySet());
    }

    /** A running node. */
    public synchronized Broker node(int id) {
        Broker broker = running.get(id);
        if (broker == null) {
            throw new IllegalArgumentException("Node " + id + " is not running (running: " + running.keySet() + ")");
        }
        return broker;
    }

    /** Stops node {@code id} as a crash would: no controlled shutdown, no checkpoints. */
    public void kill(int id) {
        Broker broker;
        synchronized (this) {
            broker = running.remove(id);
        }
        if (broker != null) {
            broker.halt();
        }
    }

    /** Stops node {@code id} cleanly: controlled shutdown, flushed logs. */
    public void stop(int id) {
        Broker broker;
        synchronized (this) {
            broker = running.remove(id);
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** Starts a stopped or killed node again on its ports and data directory; returns once it joined. */
    public Broker restart(int id) {
        if (!clientPorts.containsKey(id)) {
            throw new IllegalArgumentException("No node " + id + " in this cluster");
        }
        synchronized (this) {
            if (running.containsKey(id)) {
                throw new IllegalStateException("Node " + id + " is running");
            }
        }
        startAll(List.of(id));
        return node(id);
    }

    private static long link(int from, int to) {
        return ((long) from << 32) | (to & 0xffffffffL);
    }

    /**
     * Cuts the broker links between {@code a} and {@code b}, both ways: replica fetches, transaction markers, other
     * broker-to-broker requests, and a node's requests to the active controller when the other is it (so a node cut
     * off the active controller stops heartbeating and is fenced) fail as if the other were unreachable. The
     * controller quorum's own Raft traffic is not cut: a cut-off node still learns the metadata.
     */
    public void cutLink(int a, int b) {
        cutLinks.add(link(a, b));
        cutLinks.add(link(b, a));
    }

    /** Cuts every broker link of node {@code id}. */
    public void isolate(int id) {
        for (int other : clientPorts.keySet()) {
            if (other != id) {
                cutLink(id, other);
            }
        }
    }

    /**
     * Makes node {@code id}'s disk slow: every write to its partition logs (appends as leader or follower,
     * truncations) waits {@code perWrite} first, holding the partition as a slow device would; zero makes it fast
     * again. A restart also makes it fast.
     */
    public void slowDisk(int id, Duration perWrite) {
        node(id).slowDisk(perWrite);
    }

    /** Restores every cut link. */
    public void heal() {
        cutLinks.clear();
    }

    /** The node that is the active controller now, or -1 during an election. */
    public int activeController() {
        for (int id : runningNodes()) {
            if (node(id).isActiveController()) {
                return id;
            }
        }
        return -1;
    }

    /** The leader of a partition as a running node's metadata says, or -1. */
    public int leaderOf(String topic, int partition) {
        MetadataImage image = anyImage();
        TopicImage topicImage = image.topic(topic);
        PartitionRegistration registration = topicImage == null ? null : topicImage.partitions().get(partition);
        return registration == null ? -1 : registration.leader();
    }

    private MetadataImage anyImage() {
        List<Integer> nodes = runningNodes();
        if (nodes.isEmpty()) {
            throw new IllegalStateException("No node is running");
        }
        int active = activeController();
        return node(active >= 0 ? active : nodes.get(0)).metadataImage();
    }

    /**
     * Waits until every running node has the same metadata, in which every partition has a leader and an ISR of all
     * its replicas, and every running node is unfenced.
     */
    public void awaitLeadersAndFullIsr(Duration timeout) {
        awaitCondition(timeout, "every partition to have a leader and all its replicas in sync", () -> {
            List<Integer> nodes = runningNodes();
            if (nodes.isEmpty()) {
                return false;
            }
            MetadataImage image = node(nodes.get(0)).metadataImage();
            for (int id : nodes) {
                MetadataImage other = node(id).metadataImage();
                if (!other.topicsByName().equals(image.topicsByName())) {
                    return false;
                }
                if (image.broker(id) == null || image.broker(id).fenced()) {
                    return false;
                }
            }
            for (TopicImage topic : image.topicsByName().values()) {
                for (PartitionRegistration partition : topic.partitions().values()) {
                    if (partition.leader() < 0 || partition.isr().size() != partition.replicas().size()) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    /** Polls {@code condition} every 10 ms until it holds; fails naming {@code what} after {@code timeout}. */
    public static void awaitCondition(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + what, e);
            }
        }
    }

    /**
     * Stops every running node cleanly: first the controlled shutdown of all of them at once, while the controller
     * quorum still has its majority, then each node.
     */
    @Override
    public void close() {
        var shuttingDown = new ArrayList<CompletableFuture<Void>>();
        for (int id : runningNodes()) {
            Broker broker = node(id);
            shuttingDown.add(CompletableFuture.runAsync(broker::controlledShutdown));
        }
        shuttingDown.forEach(CompletableFuture::join);
        var stopping = new ArrayList<CompletableFuture<Void>>();
        for (int id : runningNodes()) {
            stopping.add(CompletableFuture.runAsync(() -> stop(id)));
        }
        stopping.forEach(CompletableFuture::join);
    }
}
