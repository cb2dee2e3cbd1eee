package io.tributary.broker.replication;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;

/**
 * A leader's log start and log end for a partition, asked with ListOffsets as a replica (its broker id as
 * {@code replica_id}: the leader answers its log end, not its high watermark) at the follower's leader epoch, as
 * Kafka's {@code RemoteLeaderEndPoint} asks them when a fetch offset is out of range.
 */
final class LeaderOffsets {
    private final int leaderId;
    private final int lane;
    private final int localNodeId;
    private final InterBrokerSender sender;

    /** @param lane the connection lane of the fetcher asking */
    LeaderOffsets(int leaderId, int lane, int localNodeId, InterBrokerSender sender) {
        this.leaderId = leaderId;
        this.lane = lane;
        this.localNodeId = localNodeId;
        this.sender = sender;
    }

    /** The leader's log end offset; fails with the partition's error as its exception. */
    CompletableFuture<Long> logEnd(FollowerReplica replica) {
        return offset(replica, ListOffsetsRequest.LATEST_TIMESTAMP);
    }

    /** The leader's log start offset; fails with the partition's error as its exception. */
    CompletableFuture<Long> logStart(FollowerReplica replica) {
        return offset(replica, ListOffsetsRequest.EARLIEST_TIMESTAMP);
    }

    private CompletableFuture<Long> offset(FollowerReplica replica, long timestamp) {
        TopicPartition partition = replica.topicPartition();
        var request = ListOffsetsRequest.Builder.forReplica(ApiKeys.LIST_OFFSETS.latestVersion(), localNodeId)
                .setTargetTimes(List.of(new ListOffsetsTopic().setName(partition.topic()).setPartitions(List.of(
                        new ListOffsetsPartition().setPartitionIndex(partition.partition()).setTimestamp(timestamp)
                                .setCurrentLeaderEpoch(replica.leaderEpoch())))));
        return sender.send(leaderId, lane, request).thenApply(response -> {
            for (ListOffsetsTopicResponse topic : ((ListOffsetsResponse) response).data().topics()) {
                for (ListOffsetsPartitionResponse answer : topic.partitions()) {
                    if (topic.name().equals(partition.topic()) && answer.partitionIndex() == partition.partition()) {
                        Errors error = Errors.forCode(answer.errorCode());
                        if (error != Errors.NONE) {
                            throw error.exception();
                        }
                        return answer.offset();
                    }
                }
            }
            throw Errors.UNKNOWN_TOPIC_OR_PARTITION.exception("Leader " + leaderId + " did not answer for "
                    + partition);
        });
    }
}
