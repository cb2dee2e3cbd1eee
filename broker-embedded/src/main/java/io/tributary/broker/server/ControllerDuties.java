package io.tributary.broker.server;

import io.tributary.broker.api.ControllerChannel;
import io.tributary.broker.metadata.ClusterControl;
import io.tributary.broker.metadata.Controller;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * expired (only the active controller, which starts every session afresh when it takes over), and asking it for
 * blocks of producer ids.
 */
final class ControllerDuties {
    private static final Logger log = LoggerFactory.getLogger(ControllerDuties.class);

    private ControllerDuties() {
    }

    /**
     * Checks broker sessions every {@code intervalMs} while this node is the active controller. The check runs on the
     * controller's thread; the timer only queues it, one at a time, and never waits for it.
     */
    static void schedule(ScheduledExecutorService scheduler, Controller controller, ClusterControl cluster,
                         long intervalMs) {
        var wasActive = new AtomicBoolean();
        var checking = new AtomicBoolean();
        scheduler.scheduleWithFixedDelay(() -> {
            if (!checking.compareAndSet(false, true)) {
                return;
            }
            // Runs only where this node is the active controller (elsewhere the write fails at once): a node that just
            // took over first gives every broker a full session.
            controller.write(image -> {
                if (!wasActive.getAndSet(true)) {
                    cluster.resetSessions(image);
                }
                return cluster.fenceExpired(image);
            }).whenComplete((fenced, failure) -> {
                checking.set(false);
                if (failure != null) {
                    wasActive.set(false);
                } else if (!fenced.isEmpty()) {
                    log.info("Fenced node(s) {}", fenced);
                }
            });
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
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
