package io.tributary.broker.api;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.utils.Utils;

/** DescribeCluster: cluster id, controller and the live brokers (KIP-700). */
final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {
    /**
     * The operations the cluster supports (KIP-430; Kafka's AclEntry.supportedOperations(CLUSTER)): there is no
     * authorizer, so each is allowed, and Kafka without one answers exactly these.
     */
    static final int CLUSTER_OPERATIONS = Utils.to32BitField(Set.of(AclOperation.CREATE.code(),
            AclOperation.CLUSTER_ACTION.code(), AclOperation.DESCRIBE_CONFIGS.code(),
            AclOperation.ALTER_CONFIGS.code(), AclOperation.IDEMPOTENT_WRITE.code(), AclOperation.ALTER.code(),
            AclOperation.DESCRIBE.code()));

    private final LocalNode node;

    DescribeClusterHandler(LocalNode node) {
        this.node = node;
    }

    @Override
    public CompletableFuture<DescribeClusterResponse> handle(RequestContext context, DescribeClusterRequest request) {
        Node endpoint = node.endpoint();
        var data = new DescribeClusterResponseData()
                .setErrorCode(Errors.NONE.code())
                .setClusterId(node.clusterId())
                .setControllerId(node.nodeId());
        if (request.data().includeClusterAuthorizedOperations()) {
            data.setClusterAuthorizedOperations(CLUSTER_OPERATIONS);
        }
        data.brokers().add(new DescribeClusterBroker().setBrokerId(endpoint.id()).setHost(endpoint.host())
                .setPort(endpoint.port()).setRack(null));
        return CompletableFuture.completedFuture(new DescribeClusterResponse(data));
    }
}
