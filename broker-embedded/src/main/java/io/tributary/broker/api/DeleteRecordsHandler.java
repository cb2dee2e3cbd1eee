package io.tributary.broker.api;

import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DeleteRecords: raises each partition's log start offset (-1 means the high watermark); an offset above the
 * high watermark is OFFSET_OUT_OF_RANGE. Whole segments below the new start are removed by retention.
 */
final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {
    private final ReplicaManager replicaManager;

    DeleteRecordsHandler(ReplicaManager replicaManager) {
        this.replicaManager = replicaManager;
    }

    @Override
    public CompletableFuture<DeleteRecordsResponse> handle(RequestContext context, DeleteRecordsRequest request) {
        var data = new DeleteRecordsResponseData();
        for (DeleteRecordsTopic topic : request.data().topics()) {
            var topicResult = new DeleteRecordsTopicResult().setName(topic.name());
            for (DeleteRecordsPartition partition : topic.partitions()) {
                var result = new DeleteRecordsPartitionResult().setPartitionIndex(partition.partitionIndex())
                        .setLowWatermark(-1);
                var tp = new TopicPartition(topic.name(), partition.partitionIndex());
                Partition local = replicaManager.partition(tp);
                if (local == null) {
                    result.setErrorCode(replicaManager.absentPartitionError(tp).code());
                } else {
                    try {
                        result.setLowWatermark(local.deleteRecordsBefore(partition.offset()));
                    } catch (ApiException e) {
                        result.setErrorCode(Errors.forException(e).code());
                    }
                }
                topicResult.partitions().add(result);
            }
            data.topics().add(topicResult);
        }
        return CompletableFuture.completedFuture(new DeleteRecordsResponse(data));
    }
}
