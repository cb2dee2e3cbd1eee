package io.tributary.broker.api;

import io.tributary.broker.metadata.ClusterControl;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.ControllerResult;
import io.tributary.broker.metadata.MetadataRecord.ProducerIdsRecord;
import java.util.List;
import org.apache.kafka.common.message.AllocateProducerIdsResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AllocateProducerIdsRequest;
import org.apache.kafka.common.requests.AllocateProducerIdsResponse;
import org.apache.kafka.common.requests.AlterPartitionRequest;
import org.apache.kafka.common.requests.AlterPartitionResponse;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.common.requests.BrokerHeartbeatResponse;
import org.apache.kafka.common.requests.BrokerRegistrationRequest;
import org.apache.kafka.common.requests.BrokerRegistrationResponse;

/**
 * The requests only the active controller serves, which brokers send it through the {@link ControllerChannel}:
 * BrokerRegistration, BrokerHeartbeat, AlterPartition and AllocateProducerIds, each one controller write.
 */
final class ControllerApiHandlers {
    /** Producer ids per AllocateProducerIds block, as Kafka's controller hands them out. */
    static final int PRODUCER_ID_BLOCK = 1000;

    private final Controller controller;
    private final ClusterControl cluster;

    ControllerApiHandlers(Controller controller, ClusterControl cluster) {
        this.controller = controller;
        this.cluster = cluster;
    }

    ApiHandler<BrokerRegistrationRequest> registration() {
        return (context, request) -> controller.write(image -> cluster.register(image, request.data()))
                .handle((data, failure) -> new BrokerRegistrationResponse(failure == null ? data
                        : new BrokerRegistrationResponseData().setErrorCode(Errors.forException(failure).code())));
    }

    ApiHandler<BrokerHeartbeatRequest> heartbeat() {
        return (context, request) -> controller.write(image -> cluster.heartbeat(image, request.data()))
                .handle((data, failure) -> new BrokerHeartbeatResponse(failure == null ? data
                        : new BrokerHeartbeatResponseData().setErrorCode(Errors.forException(failure).code())
                                .setIsFenced(true)));
    }

    ApiHandler<AlterPartitionRequest> alterPartition() {
        return (context, request) -> controller.write(image -> cluster.alterPartition(image, request.data()))
                .handle((data, failure) -> failure == null ? new AlterPartitionResponse(data)
                        : request.getErrorResponse(0, failure));
    }

    ApiHandler<AllocateProducerIdsRequest> allocateProducerIds() {
        return (context, request) -> controller.write(image -> {
            long first = Math.max(image.nextProducerId(), 0);
            return new ControllerResult<>(List.of(new ProducerIdsRecord(request.data().brokerId(),
                    first + PRODUCER_ID_BLOCK)), first);
        }).handle((first, failure) -> new AllocateProducerIdsResponse(failure == null
                ? new AllocateProducerIdsResponseData().setProducerIdStart(first).setProducerIdLen(PRODUCER_ID_BLOCK)
                : new AllocateProducerIdsResponseData().setErrorCode(Errors.forException(failure).code())));
    }
}
