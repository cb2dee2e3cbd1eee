package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;

/**
 * SyncGroup: the leader hands in the assignment; every member parks until it is stored, then gets its share.
 * From v5 the protocol type and name are mandatory: without them the request is INCONSISTENT_GROUP_PROTOCOL before
 * anything else is looked at, the group id included (Kafka's {@code KafkaApis.handleSyncGroupRequest}).
 */
final class SyncGroupHandler implements ApiHandler<SyncGroupRequest> {
    private final GroupCoordinator coordinator;

    SyncGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<? extends AbstractResponse> handle(RequestContext context, SyncGroupRequest request) {
        if (!request.areMandatoryProtocolTypeAndNamePresent()) {
            return CompletableFuture.completedFuture(
                    request.getErrorResponse(Errors.INCONSISTENT_GROUP_PROTOCOL.exception()));
        }
        return coordinator.syncGroup(request.data()).thenApply(SyncGroupResponse::new);
    }
}
