package io.tributary.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.RequestContext;

/** DescribeCluster: cluster id, controller and the live brokers (KIP-700). */
final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {
    private static final int ALL_CLUSTER_OPERATIONS = 0b1111_1111_1110_0000 >>> 4;

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
            data.setClusterAuthorizedOperations(ALL_CLUSTER_OPERATIONS);
        }
        data.brokers().add(new DescribeClusterBroker().setBrokerId(endpoint.id()).setHost(endpoint.host())
                .setPort(endpoint.port()).setRack(null));
        return CompletableFuture.completedFuture(new DescribeClusterResponse(data));
    }
}
