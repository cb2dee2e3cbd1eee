package io.tributary.broker.api;

import io.tributary.broker.group.GroupCoordinator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.utils.Utils;

/**
 * DescribeGroups: state, protocol and members of each group. With {@code includeAuthorizedOperations} (v3+) a group
 * described without error reports what an authorizer allows on it; with no authorizer that is every operation a
 * group supports, Kafka's {@code AclEntry.supportedOperations(GROUP)} (DESCRIBE_CONFIGS and ALTER_CONFIGS since
 * KIP-848's group configs). Entries with an error keep the field's default, as Kafka leaves them.
 */
final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequest> {
    private static final int GROUP_OPERATIONS = Utils.to32BitField(Set.of(AclOperation.READ.code(),
            AclOperation.DESCRIBE.code(), AclOperation.DELETE.code(), AclOperation.DESCRIBE_CONFIGS.code(),
            AclOperation.ALTER_CONFIGS.code()));

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
            if (request.data().includeAuthorizedOperations() && described.errorCode() == Errors.NONE.code()) {
                described.setAuthorizedOperations(GROUP_OPERATIONS);
            }
            data.groups().add(described);
        }
        return CompletableFuture.completedFuture(new DescribeGroupsResponse(data));
    }
}
