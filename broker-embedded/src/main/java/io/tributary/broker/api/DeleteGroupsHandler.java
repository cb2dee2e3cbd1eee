package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.requests.DeleteGroupsRequest;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.RequestContext;

/** DeleteGroups: removes empty groups with their offsets; a group with members is NON_EMPTY_GROUP. */
final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequest> {
    private final GroupCoordinator coordinator;

    DeleteGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<DeleteGroupsResponse> handle(RequestContext context, DeleteGroupsRequest request) {
        var groupIds = request.data().groupsNames().stream().distinct().toList();
        return coordinator.deleteGroups(groupIds).thenApply(results -> {
            var collection = new DeletableGroupResultCollection();
            results.forEach((groupId, error) -> collection.add(new DeletableGroupResult().setGroupId(groupId)
                    .setErrorCode(error.code())));
            return new DeleteGroupsResponse(new DeleteGroupsResponseData().setResults(collection));
        });
    }
}
