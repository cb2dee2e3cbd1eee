package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.RequestContext;

/** Heartbeat: keeps a member's session alive and tells it when to rejoin (REBALANCE_IN_PROGRESS). */
final class HeartbeatHandler implements ApiHandler<HeartbeatRequest> {
    private final GroupCoordinator coordinator;

    HeartbeatHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<HeartbeatResponse> handle(RequestContext context, HeartbeatRequest request) {
        return CompletableFuture.completedFuture(new HeartbeatResponse(coordinator.heartbeat(request.data())));
    }
}
