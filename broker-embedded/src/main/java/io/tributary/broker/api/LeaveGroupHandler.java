package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.RequestContext;

/** LeaveGroup: one member (v0-2) or a batch (v3+, KIP-345), each answered on its own. */
final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequest> {
    private final GroupCoordinator coordinator;

    LeaveGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<LeaveGroupResponse> handle(RequestContext context, LeaveGroupRequest request) {
        LeaveGroupResponseData data = coordinator.leaveGroup(request.data().groupId(), request.members());
        return CompletableFuture.completedFuture(new LeaveGroupResponse(data.members(),
                Errors.forCode(data.errorCode()), 0, context.apiVersion()));
    }
}
