package io.tributary.broker.api;

import io.tributary.broker.log.LeaderEpochCache;
import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * OffsetForLeaderEpoch (KIP-101, KIP-320): the end offset of the largest epoch at or below the one asked for.
 * Consumers use it to detect log truncation after a leader change; followers to find where to truncate. A partition
 * in an offline log directory is KAFKA_STORAGE_ERROR, as Kafka answers. Consumers and followers (a replica id) get
 * the same answer, from the leader only (Kafka's {@code lastOffsetForLeaderEpoch} with fetchOnlyFromLeader): the
 * current leader epoch is checked first (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH), then leadership.
 */
final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetsForLeaderEpochRequest> {
    private final ReplicaManager replicaManager;

    OffsetForLeaderEpochHandler(ReplicaManager replicaManager) {
        this.replicaManager = replicaManager;
    }

    @Override
    public CompletableFuture<OffsetsForLeaderEpochResponse> handle(RequestContext context,
                                                                   OffsetsForLeaderEpochRequest request) {
        var data = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic topic : request.data().topics()) {
            var topicResult = new OffsetForLeaderTopicResult().setTopic(topic.topic());
            for (OffsetForLeaderPartition requested : topic.partitions()) {
                var result = new EpochEndOffset().setPartition(requested.partition()).setLeaderEpoch(-1)
                        .setEndOffset(-1);
                var tp = new TopicPartition(topic.topic(), requested.partition());
                Partition partition = replicaManager.partition(tp);
                if (partition == null) {
                    result.setErrorCode(replicaManager.absentPartitionError(tp).code());
                } else {
                    try {
                        partition.checkOnline();
                        partition.checkLeaderEpoch(requested.currentLeaderEpoch());
                        if (!partition.isLeader()) {
                            result.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                        } else {
                            LeaderEpochCache.EpochEntry end = partition.log().epochs()
                                    .endOffsetFor(requested.leaderEpoch(), partition.logEndOffset());
                            result.setLeaderEpoch(end.epoch()).setEndOffset(end.startOffset());
                        }
                    } catch (ApiException e) {
                        result.setErrorCode(Errors.forException(e).code());
                    }
                }
                topicResult.partitions().add(result);
            }
            data.topics().add(topicResult);
        }
        return CompletableFuture.completedFuture(new OffsetsForLeaderEpochResponse(data));
    }
}
