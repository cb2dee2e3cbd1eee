package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.RequestContext;

/** ListGroups: the groups this node coordinates, filtered by state (v4+) and type (v5+). */
final class ListGroupsHandler implements ApiHandler<ListGroupsRequest> {
    private final GroupCoordinator coordinator;

    ListGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<ListGroupsResponse> handle(RequestContext context, ListGroupsRequest request) {
        var groups = coordinator.listGroups(request.data().statesFilter(), request.data().typesFilter());
        return CompletableFuture.completedFuture(new ListGroupsResponse(new ListGroupsResponseData()
                .setGroups(groups)));
    }
}
