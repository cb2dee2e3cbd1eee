package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.EndpointType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.utils.Utils;

/**
 * DescribeCluster: cluster id, controller and the live brokers (KIP-700). This is a broker endpoint: a request for
 * the controllers' endpoints (v1+, KIP-919) is MISMATCHED_ENDPOINT_TYPE, an unknown endpoint type
 * UNSUPPORTED_ENDPOINT_TYPE, either INVALID_REQUEST at v0 (Kafka's AuthHelper.computeDescribeClusterResponse).
 */
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
    private final Controller controller;

    DescribeClusterHandler(LocalNode node, Controller controller) {
        this.node = node;
        this.controller = controller;
    }

    @Override
    public CompletableFuture<DescribeClusterResponse> handle(RequestContext context, DescribeClusterRequest request) {
        byte endpointType = request.data().endpointType();
        if (EndpointType.fromId(endpointType) != EndpointType.BROKER) {
            boolean unknown = EndpointType.fromId(endpointType) == EndpointType.UNKNOWN;
            Errors error = context.apiVersion() == 0 ? Errors.INVALID_REQUEST
                    : unknown ? Errors.UNSUPPORTED_ENDPOINT_TYPE : Errors.MISMATCHED_ENDPOINT_TYPE;
            String message = unknown ? "Unsupported endpoint type " + endpointType
                    : "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type "
                            + EndpointType.fromId(endpointType);
            return CompletableFuture.completedFuture(new DescribeClusterResponse(new DescribeClusterResponseData()
                    .setErrorCode(error.code()).setErrorMessage(message)));
        }
        MetadataImage image = controller.image();
        var data = new DescribeClusterResponseData()
                .setErrorCode(Errors.NONE.code())
                .setClusterId(node.clusterId())
                .setControllerId(ClusterNodes.controllerId(image, node, controller.activeControllerId()));
        if (request.data().includeClusterAuthorizedOperations()) {
            data.setClusterAuthorizedOperations(CLUSTER_OPERATIONS);
        }
        for (Node broker : ClusterNodes.live(image, node)) {
            data.brokers().add(new DescribeClusterBroker().setBrokerId(broker.id()).setHost(broker.host())
                    .setPort(broker.port()).setRack(broker.rack()));
        }
        return CompletableFuture.completedFuture(new DescribeClusterResponse(data));
    }
}
