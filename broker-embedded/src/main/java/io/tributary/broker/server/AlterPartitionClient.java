package io.tributary.broker.server;

import io.tributary.broker.api.ControllerChannel;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.AlterPartitionSender;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterPartitionRequest;
import org.apache.kafka.common.requests.AlterPartitionResponse;

/**
 * A leader's ISR changes, sent to the active controller as Kafka's AlterPartition (KIP-497) through the
 * {@link ControllerChannel}: the answer is the registration the controller committed, or the error it gave as an
 * exception. Asynchronous: the caller never waits, and the change reaches this node's own partitions through the
 * metadata image like every other.
 */
final class AlterPartitionClient implements AlterPartitionSender {
    private final int nodeId;
    private final LongSupplier brokerEpoch;
    private final Supplier<ControllerChannel> channel;
    private final Supplier<MetadataImage> image;

    /** {@code channel} and {@code image} are read at each call: they exist only once the node's metadata is up. */
    AlterPartitionClient(int nodeId, LongSupplier brokerEpoch, Supplier<ControllerChannel> channel,
                         Supplier<MetadataImage> image) {
        this.nodeId = nodeId;
        this.brokerEpoch = brokerEpoch;
        this.channel = channel;
        this.image = image;
    }

    @Override
    public CompletableFuture<PartitionRegistration> alterPartition(TopicIdPartition partition, int leaderEpoch,
                                                                   int partitionEpoch, List<Integer> newIsr) {
        ControllerChannel controller = channel.get();
        if (controller == null) {
            return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.NotControllerException(
                    "The controller channel is not up yet"));
        }
        var isr = new ArrayList<AlterPartitionRequestData.BrokerState>();
        newIsr.forEach(id -> isr.add(new AlterPartitionRequestData.BrokerState().setBrokerId(id).setBrokerEpoch(-1)));
        var data = new AlterPartitionRequestData().setBrokerId(nodeId).setBrokerEpoch(brokerEpoch.getAsLong());
        data.topics().add(new AlterPartitionRequestData.TopicData().setTopicId(partition.topicId())
                .setPartitions(List.of(new AlterPartitionRequestData.PartitionData()
                        .setPartitionIndex(partition.partition()).setLeaderEpoch(leaderEpoch)
                        .setPartitionEpoch(partitionEpoch).setNewIsrWithEpochs(isr))));
        return controller.send(new AlterPartitionRequest.Builder(data).build()).thenApply(answer -> {
            AlterPartitionResponseData response = ((AlterPartitionResponse) answer).data();
            Errors error = Errors.forCode(response.errorCode());
            if (error != Errors.NONE) {
                throw error.exception();
            }
            AlterPartitionResponseData.PartitionData result = response.topics().get(0).partitions().get(0);
            Errors partitionError = Errors.forCode(result.errorCode());
            if (partitionError != Errors.NONE) {
                throw partitionError.exception();
            }
            TopicImage topic = image.get().topic(partition.topicId());
            PartitionRegistration known = topic == null ? null : topic.partitions().get(partition.partition());
            List<Integer> replicas = known != null ? known.replicas() : result.isr();
            return new PartitionRegistration(replicas, result.isr(), result.leaderId(), result.leaderEpoch(),
                    result.partitionEpoch());
        });
    }
}
