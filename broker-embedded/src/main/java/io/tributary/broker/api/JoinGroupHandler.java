package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.group.MemberContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * JoinGroup: parks until the group's join phase ends (every member rejoined, or the rebalance timeout), without a
 * thread: the response future completes from the coordinator.
 */
final class JoinGroupHandler implements ApiHandler<JoinGroupRequest> {
    private final GroupCoordinator coordinator;

    JoinGroupHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<JoinGroupResponse> handle(RequestContext context, JoinGroupRequest request) {
        short version = context.apiVersion();
        return coordinator.joinGroup(memberContext(context), request.data())
                .thenApply(data -> new JoinGroupResponse(data, version));
    }

    /** The client id and host that DescribeGroups reports ("/127.0.0.1", as Kafka prints it). */
    static MemberContext memberContext(RequestContext context) {
        return new MemberContext(context.clientId(), context.clientAddress.toString(), context.apiVersion());
    }
}
