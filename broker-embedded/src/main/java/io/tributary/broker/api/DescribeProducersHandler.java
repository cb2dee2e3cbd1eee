package io.tributary.broker.api;

import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.ProducerStateTable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DescribeProducers (KIP-664): the producers with state in each partition this node leads, with the offset their
 * open transaction started at, so an operator can find what holds a partition's last stable offset back. An invalid
 * topic name is INVALID_TOPIC_EXCEPTION for each of its partitions, as Kafka checks it before looking the topic up.
 */
final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequest> {
    private final ReplicaManager replicaManager;

    DescribeProducersHandler(ReplicaManager replicaManager) {
        this.replicaManager = replicaManager;
    }

    @Override
    public CompletableFuture<DescribeProducersResponse> handle(RequestContext context,
                                                               DescribeProducersRequest request) {
        var data = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest topic : request.data().topics()) {
            var topicResponse = new TopicResponse().setName(topic.name());
            String invalidName = TopicNames.invalidReason(topic.name());
            for (int index : topic.partitionIndexes()) {
                topicResponse.partitions().add(invalidName != null
                        ? new PartitionResponse().setPartitionIndex(index)
                                .setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code()).setErrorMessage(invalidName)
                        : describe(new TopicPartition(topic.name(), index)));
            }
            data.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(new DescribeProducersResponse(data));
    }

    private PartitionResponse describe(TopicPartition tp) {
        var response = new PartitionResponse().setPartitionIndex(tp.partition());
        Partition partition = replicaManager.partition(tp);
        if (partition == null) {
            return response.setErrorCode(replicaManager.absentPartitionError(tp).code());
        }
        if (partition.isOffline()) {
            // As Kafka: the producer state of a failed directory's log is not known any more.
            return response.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
        if (!partition.isLeader()) {
            return response.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        }
        for (ProducerStateTable.ProducerView producer : partition.producers()) {
            response.activeProducers().add(new ProducerState().setProducerId(producer.producerId())
                    .setProducerEpoch(producer.epoch()).setLastSequence(producer.lastSequence())
                    .setLastTimestamp(producer.lastTimestampMs()).setCoordinatorEpoch(producer.coordinatorEpoch())
                    .setCurrentTxnStartOffset(producer.currentTxnStartOffset()));
        }
        return response.setErrorCode(Errors.NONE.code());
    }
}
