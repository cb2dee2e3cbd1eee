package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.utils.Utils;

/**
 * DescribeGroups: state, protocol and members of each group. With no authorizer every group operation is
 * allowed, so that is what {@code includeAuthorizedOperations} reports.
 */
final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequest> {
    private static final int ALL_GROUP_OPERATIONS = Utils.to32BitField(Set.of(AclOperation.READ.code(),
            AclOperation.DESCRIBE.code(), AclOperation.DELETE.code()));

    private final GroupCoordinator coordinator;

    DescribeGroupsHandler(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<DescribeGroupsResponse> handle(RequestContext context, DescribeGroupsRequest request) {
        var data = new DescribeGroupsResponseData();
        boolean notFoundIsError = context.apiVersion() >= 6;
        for (String groupId : request.data().groups()) {
            DescribedGroup described = coordinator.describeGroup(groupId, notFoundIsError);
            if (request.data().includeAuthorizedOperations()) {
                described.setAuthorizedOperations(ALL_GROUP_OPERATIONS);
            }
            data.groups().add(described);
        }
        return CompletableFuture.completedFuture(new DescribeGroupsResponse(data));
    }
}
