package io.tributary.broker.server;

import io.tributary.broker.api.ControllerChannel;
import io.tributary.broker.metadata.BrokerRegistration;
import io.tributary.broker.metadata.ClusterControl;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.AllocateProducerIdsRequestData;
import org.apache.kafka.common.message.AllocateProducerIdsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AllocateProducerIdsRequest;
import org.apache.kafka.common.requests.AllocateProducerIdsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does for, or as, the active controller besides answering requests: fencing brokers whose session
 * expired, or whose heartbeat is late while their endpoint refuses connections (only the active controller, which
 * starts every session afresh when it takes over), and asking it for blocks of producer ids.
 */
final class ControllerDuties {
    private static final Logger log = LoggerFactory.getLogger(ControllerDuties.class);
    /** A connect to a live broker's endpoint takes well under this on any network a cluster runs on. */
    private static final int PROBE_TIMEOUT_MS = 250;

    private ControllerDuties() {
    }

    /**
     * Checks broker sessions every half heartbeat interval while this node is the active controller. The check runs
     * on the controller's thread; the timer only queues it, one at a time, and never waits for it. A broker that
     * missed its heartbeat by half an interval (or any broker, right after this node took over) is probed on
     * {@code probes} (a TCP connect to its registered endpoint) and fenced at once if the connection is refused. The
     * active controller also keeps an idle connection to every unfenced broker ({@link BrokerWatch}); when one closes,
     * that broker is probed at once.
     */
    static void schedule(ScheduledExecutorService scheduler, Executor probes, Controller controller,
                         ClusterControl cluster, long heartbeatIntervalMs) {
        var wasActive = new AtomicBoolean();
        var checking = new AtomicBoolean();
        long lateMs = heartbeatIntervalMs + heartbeatIntervalMs / 2;
        long periodMs = Math.max(10, heartbeatIntervalMs / 2);
        // A watched connection that closes is probed at once: a crashed broker is fenced within milliseconds.
        var watch = new BrokerWatch(scheduler, broker -> CompletableFuture
                .supplyAsync(() -> gone(broker) ? List.of(broker) : List.<BrokerRegistration>of(), probes)
                .thenCompose(gone -> gone.isEmpty() ? CompletableFuture.completedFuture(List.<Integer>of())
                        : controller.write(image -> cluster.fenceGone(image, gone, 0)))
                .whenComplete((fenced, failure) -> {
                    if (failure == null && !fenced.isEmpty()) {
                        log.info("Fenced node(s) {}: their connection closed and their port refuses connections",
                                fenced);
                    }
                }));
        scheduler.scheduleWithFixedDelay(() -> {
            if (!checking.compareAndSet(false, true)) {
                return;
            }
            // Runs only where this node is the active controller (elsewhere the write fails at once): a node that just
            // took over first gives every broker a full session, and probes them all at once: a controller change
            // often means the old controller's node crashed, and its partitions need new leaders.
            var tookOver = new AtomicBoolean();
            controller.write(image -> {
                if (!wasActive.getAndSet(true)) {
                    log.info("Active controller: every broker's session starts now");
                    cluster.resetSessions(image);
                    tookOver.set(true);
                }
                return cluster.fenceExpired(image);
            }).thenCompose(fenced -> {
                if (!fenced.isEmpty()) {
                    log.info("Fenced node(s) {}", fenced);
                }
                long threshold = tookOver.get() ? 0 : lateMs;
                watch.watch(cluster.lateBrokers(controller.image(), 0));
                List<BrokerRegistration> late = cluster.lateBrokers(controller.image(), threshold);
                if (late.isEmpty()) {
                    return CompletableFuture.completedFuture(List.<Integer>of());
                }
                return CompletableFuture.supplyAsync(() -> late.stream().filter(ControllerDuties::gone).toList(),
                        probes).thenCompose(gone -> gone.isEmpty() ? CompletableFuture.completedFuture(List.of())
                        : controller.write(image -> cluster.fenceGone(image, gone, threshold)));
            }).whenComplete((fenced, failure) -> {
                checking.set(false);
                if (failure != null) {
                    watch.watch(List.of());
                    if (wasActive.get()) {
                        log.info("No longer the active controller, or a session check failed: {}", failure.toString());
                    }
                    wasActive.set(false);
                } else if (!fenced.isEmpty()) {
                    log.info("Fenced node(s) {}: their process is gone", fenced);
                }
            });
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether every endpoint the broker registered refuses TCP connections: nothing listens there, so the process is
     * gone (a live broker always listens). A timeout or an unreachable network proves nothing and counts as alive.
     */
    private static boolean gone(BrokerRegistration broker) {
        if (broker == null || broker.endpoints().isEmpty()) {
            return false;
        }
        for (BrokerEndpoint endpoint : broker.endpoints()) {
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), PROBE_TIMEOUT_MS);
                return false;
            } catch (ConnectException e) {
                if (e.getMessage() == null || !e.getMessage().contains("refused")) {
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    /** Reserves producer-id blocks through AllocateProducerIds, as Kafka's brokers do. */
    static LongFunction<CompletableFuture<Long>> producerIdBlocks(ControllerChannel channel, int nodeId,
                                                                  LongSupplier brokerEpoch) {
        return count -> channel.send(new AllocateProducerIdsRequest.Builder(new AllocateProducerIdsRequestData()
                .setBrokerId(nodeId).setBrokerEpoch(brokerEpoch.getAsLong())).build()).thenApply(answer -> {
                    AllocateProducerIdsResponseData data = ((AllocateProducerIdsResponse) answer).data();
                    Errors error = Errors.forCode(data.errorCode());
                    if (error != Errors.NONE) {
                        throw error.exception("Cannot reserve producer ids: " + error.message());
                    }
                    return data.producerIdStart();
                });
    }
}
