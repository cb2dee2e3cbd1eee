package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.QuorumState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Listener;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ListenerCollection;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ReplicaState;
import org.apache.kafka.common.message.DescribeQuorumResponseData.TopicData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeQuorumRequest;
import org.apache.kafka.common.requests.DescribeQuorumResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DescribeQuorum (KIP-595, KIP-836, KIP-853): the controller quorum of {@code __cluster_metadata} partition 0, its
 * leader and epoch, high watermark, voters with their log ends, and (v2) the voters' controller endpoints, as
 * {@code kafka-metadata-quorum describe --status} and {@code --replication} show it. Brokers forward it to the active
 * controller, which knows how far each voter got; a single node answers for its own local log.
 */
final class DescribeQuorumHandler implements ApiHandler<DescribeQuorumRequest> {
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Controller controller;

    DescribeQuorumHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<DescribeQuorumResponse> handle(RequestContext context, DescribeQuorumRequest request) {
        var data = new DescribeQuorumResponseData();
        QuorumState quorum = controller.quorumState();
        for (DescribeQuorumRequestData.TopicData topic : request.data().topics()) {
            var topicData = new TopicData().setTopicName(topic.topicName());
            data.topics().add(topicData);
            for (DescribeQuorumRequestData.PartitionData partition : topic.partitions()) {
                var answer = new PartitionData().setPartitionIndex(partition.partitionIndex());
                topicData.partitions().add(answer);
                if (!Topic.CLUSTER_METADATA_TOPIC_NAME.equals(topic.topicName()) || partition.partitionIndex() != 0) {
                    answer.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                answer.setLeaderId(quorum.leaderId()).setLeaderEpoch((int) quorum.leaderEpoch())
                        .setHighWatermark(quorum.highWatermark())
                        .setCurrentVoters(replicas(quorum.voters())).setObservers(replicas(quorum.observers()));
            }
        }
        if (context.apiVersion() >= 2) {
            for (QuorumState.Replica voter : quorum.voters()) {
                if (voter.host() == null) {
                    continue;
                }
                var listeners = new ListenerCollection();
                listeners.add(new Listener().setName(CONTROLLER_LISTENER).setHost(voter.host()).setPort(voter.port()));
                data.nodes().add(new DescribeQuorumResponseData.Node().setNodeId(voter.nodeId())
                        .setListeners(listeners));
            }
        }
        return CompletableFuture.completedFuture(new DescribeQuorumResponse(data));
    }

    private static List<ReplicaState> replicas(List<QuorumState.Replica> members) {
        var states = new ArrayList<ReplicaState>();
        for (QuorumState.Replica member : members) {
            states.add(new ReplicaState().setReplicaId(member.nodeId()).setReplicaDirectoryId(Uuid.ZERO_UUID)
                    .setLogEndOffset(member.logEndOffset()).setLastFetchTimestamp(member.lastFetchTimestamp())
                    .setLastCaughtUpTimestamp(member.lastCaughtUpTimestamp()));
        }
        return states;
    }
}
