package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/** SyncGroup: the leader hands in the assignment; every member parks until it is stored, then gets its share. */
final class SyncGroupHandler implements ApiHandler<SyncGroupRequest> {
    private final GroupCoordinator coordinator;

    SyncGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<SyncGroupResponse> handle(RequestContext context, SyncGroupRequest request) {
        return coordinator.syncGroup(request.data()).thenApply(SyncGroupResponse::new);
    }
}
