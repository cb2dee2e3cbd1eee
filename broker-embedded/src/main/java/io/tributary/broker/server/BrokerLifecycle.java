package io.tributary.broker.server;

import io.tributary.broker.api.ControllerChannel;
import io.tributary.broker.metadata.ClusterControl;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.DuplicateBrokerRegistrationException;
import org.apache.kafka.common.errors.InconsistentClusterIdException;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.common.requests.BrokerHeartbeatResponse;
import org.apache.kafka.common.requests.BrokerRegistrationRequest;
import org.apache.kafka.common.requests.BrokerRegistrationResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership of the cluster, as Kafka's {@code BrokerLifecycleManager} keeps it: at start it registers
 * with the active controller (a new incarnation, so a new broker epoch) and heartbeats until it is unfenced, then
 * keeps heartbeating every {@code broker.heartbeat.interval.ms}. A broker the controller no longer knows at its
 * epoch (it was fenced, or the registration was lost) registers again. At shutdown it asks to be fenced first, so
 * the controller moves its leaderships away before it stops serving (controlled shutdown).
 */
final class BrokerLifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycle.class);

    private final int nodeId;
    private final String clusterId;
    private final ControllerChannel channel;
    /** Heartbeats wait for the controller's answer, so they have a thread of their own: no timer waits for them. */
    private final ScheduledExecutorService scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            runnable -> {
                Thread thread = new Thread(runnable, "tributary-broker-heartbeat");
                thread.setDaemon(true);
                return thread;
            });
    private final long heartbeatIntervalMs;
    private final Uuid incarnationId = Uuid.randomUuid();
    private volatile List<BrokerEndpoint> endpoints = List.of();
    private volatile String rack;
    private volatile long brokerEpoch = -1;
    private volatile boolean fenced = true;
    private volatile boolean shuttingDown;
    private volatile ScheduledFuture<?> heartbeats;

    BrokerLifecycle(int nodeId, String clusterId, ControllerChannel channel, long heartbeatIntervalMs) {
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.channel = channel;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
    }

    /**
     * Registers and waits until the controller unfences this node, retrying while no controller answers (the
     * quorum may still be forming, or this node's previous run still holds its registration until its session
     * expires). Fails when {@code timeout} passes first, or at once when the quorum is another cluster's.
     */
    void start(List<BrokerEndpoint> endpoints, String rack, Duration timeout) {
        this.endpoints = List.copyOf(endpoints);
        this.rack = rack;
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastWaitLog = System.nanoTime();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (brokerEpoch < 0) {
                    register();
                }
                if (brokerEpoch >= 0 && heartbeatOnce(false)) {
                    break;
                }
            } catch (InconsistentClusterIdException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - lastWaitLog > TimeUnit.SECONDS.toNanos(5)) {
                log.info("Node {} is waiting for the controller quorum to register it ({})", nodeId,
                        last == null ? "fenced" : last.getMessage());
                lastWaitLog = System.nanoTime();
            }
            pause(Math.min(heartbeatIntervalMs, 100));
        }
        if (fenced && last instanceof DuplicateBrokerRegistrationException duplicate) {
            throw duplicate;
        }
        if (fenced) {
            throw new IllegalStateException("Node " + nodeId + " could not join the cluster within " + timeout.toMillis()
                    + " ms (initial.broker.registration.timeout.ms): no active controller answered"
                    + (last == null ? "" : " (" + last.getMessage() + ")")
                    + "; check controller.quorum.voters and that a majority of the voters is running");
        }
        heartbeats = scheduler.scheduleWithFixedDelay(this::heartbeat, heartbeatIntervalMs, heartbeatIntervalMs,
                TimeUnit.MILLISECONDS);
        log.info("Node {} joined the cluster at broker epoch {}", nodeId, brokerEpoch);
    }

    /**
     * A single node registers with its own controller directly, unfenced, in one metadata append (it is the only
     * broker and the only copy of the metadata: there is nothing to wait for), then heartbeats like any node.
     */
    void startLocally(Controller controller, ClusterControl cluster, List<BrokerEndpoint> endpoints, String rack) {
        this.endpoints = List.copyOf(endpoints);
        this.rack = rack;
        try {
            brokerEpoch = controller.write(image -> cluster.registerSingleNode(image, nodeId, incarnationId,
                    endpoints, rack)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while registering node " + nodeId, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Node " + nodeId + " could not register with its own controller: " + e,
                    e);
        }
        fenced = false;
        heartbeats = scheduler.scheduleWithFixedDelay(this::heartbeat, heartbeatIntervalMs, heartbeatIntervalMs,
                TimeUnit.MILLISECONDS);
    }

    long brokerEpoch() {
        return brokerEpoch;
    }

    boolean isFenced() {
        return fenced;
    }

    private void register() throws Exception {
        var data = new BrokerRegistrationRequestData().setBrokerId(nodeId).setClusterId(clusterId)
                .setIncarnationId(incarnationId).setRack(rack).setPreviousBrokerEpoch(brokerEpoch);
        for (BrokerEndpoint endpoint : endpoints) {
            data.listeners().add(new BrokerRegistrationRequestData.Listener().setName(endpoint.listener())
                    .setHost(endpoint.host()).setPort(endpoint.port()).setSecurityProtocol((short) 0));
        }
        var response = (BrokerRegistrationResponse) await(channel.send(
                new BrokerRegistrationRequest.Builder(data).build()));
        BrokerRegistrationResponseData answer = response.data();
        Errors error = Errors.forCode(answer.errorCode());
        if (error == Errors.DUPLICATE_BROKER_REGISTRATION) {
            throw new DuplicateBrokerRegistrationException("Another running node is registered with node.id="
                    + nodeId + " and keeps heartbeating: give each node its own node.id");
        }
        if (error == Errors.INCONSISTENT_CLUSTER_ID) {
            throw new InconsistentClusterIdException("The controller quorum belongs to another cluster than "
                    + clusterId + " (see meta.properties in log.dirs)");
        }
        if (error != Errors.NONE) {
            throw error.exception();
        }
        brokerEpoch = answer.brokerEpoch();
        fenced = true;
    }

    /** One heartbeat; true when the node is now unfenced (or, shutting down, fenced as it asked). */
    private boolean heartbeatOnce(boolean wantShutdown) throws Exception {
        var data = new BrokerHeartbeatRequestData().setBrokerId(nodeId).setBrokerEpoch(brokerEpoch)
                .setWantFence(false).setWantShutDown(wantShutdown);
        var response = (BrokerHeartbeatResponse) await(channel.send(
                new BrokerHeartbeatRequest.Builder(data).build()));
        BrokerHeartbeatResponseData answer = response.data();
        Errors error = Errors.forCode(answer.errorCode());
        if (error == Errors.STALE_BROKER_EPOCH) {
            log.warn("Node {} is not registered at epoch {} any more: registering again", nodeId, brokerEpoch);
            brokerEpoch = -1;
            fenced = true;
            return false;
        }
        if (error != Errors.NONE) {
            throw error.exception();
        }
        fenced = answer.isFenced();
        return wantShutdown ? fenced : !fenced;
    }

    private void heartbeat() {
        if (shuttingDown) {
            return;
        }
        try {
            if (brokerEpoch < 0) {
                register();
            }
            heartbeatOnce(false);
        } catch (Exception e) {
            log.debug("Heartbeat of node {} failed: {}", nodeId, e.toString());
        }
    }

    /**
     * Controlled shutdown: asks the controller to fence this node and move its leaderships away, and waits (up to
     * {@code timeout}) until it did, so clients see only retriable errors while the node stops.
     */
    void shutDown(Duration timeout) {
        shuttingDown = true;
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        if (brokerEpoch < 0) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (heartbeatOnce(true)) {
                    log.info("Node {} is fenced for shutdown: its leaderships moved", nodeId);
                    return;
                }
            } catch (Exception e) {
                log.debug("Controlled shutdown of node {}: {}", nodeId, e.toString());
            }
            pause(50);
        }
        log.warn("Node {} stops without a controlled shutdown: no controller answered within {} ms", nodeId,
                timeout.toMillis());
    }

    /**
     * Waits for the controller's answer, but not past the next heartbeat's turn by much: while the quorum elects a
     * new leader, a heartbeat that went to the old one must not hold back the next (the session would run out).
     */
    private <T> T await(java.util.concurrent.CompletableFuture<T> future) throws Exception {
        long timeoutMs = Math.max(heartbeatIntervalMs * 2, 500);
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new TimeoutException("The controller did not answer within " + timeoutMs + " ms");
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while joining the cluster", e);
        }
    }

    @Override
    public void close() {
        shuttingDown = true;
        scheduler.shutdownNow();
    }
}
