package io.tributary.broker.api;

import io.tributary.broker.metadata.NewTopic;
import io.tributary.broker.metadata.TopicResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;

/**
 * Topic creation from inside the broker (auto-creation on Metadata, the coordinators' internal topics, topics an
 * embedding application declares), on any node: sent to the active controller as the CreateTopics and
 * CreatePartitions requests a client would send, as Kafka's brokers do for auto-creation.
 */
public final class TopicCreator {
    private static final int TIMEOUT_MS = 30_000;

    private final ControllerChannel channel;

    public TopicCreator(ControllerChannel channel) {
        this.channel = channel;
    }

    /** Creates the topics; completes with one result per topic, an existing one as TOPIC_ALREADY_EXISTS. */
    public CompletableFuture<List<TopicResult>> create(List<NewTopic> topics) {
        var data = new CreateTopicsRequestData().setTimeoutMs(TIMEOUT_MS);
        for (NewTopic topic : topics) {
            var creatable = new CreatableTopic().setName(topic.name()).setNumPartitions(topic.numPartitions())
                    .setReplicationFactor(topic.replicationFactor());
            topic.assignments().forEach((partition, replicas) -> creatable.assignments().add(
                    new CreatableReplicaAssignment().setPartitionIndex(partition).setBrokerIds(replicas)));
            topic.configs().forEach((name, value) -> creatable.configs().add(
                    new CreatableTopicConfig().setName(name).setValue(value)));
            data.topics().add(creatable);
        }
        return channel.send(new CreateTopicsRequest.Builder(data).build()).thenApply(answer -> {
            var results = new ArrayList<TopicResult>();
            for (CreatableTopicResult result : ((CreateTopicsResponse) answer).data().topics()) {
                var error = new ApiError(Errors.forCode(result.errorCode()), result.errorMessage());
                results.add(error.isFailure() ? TopicResult.failed(result.name(), error)
                        : new TopicResult(result.name(), error, result.topicId(), result.numPartitions(),
                                result.replicationFactor()));
            }
            return results;
        });
    }

    /** Grows a topic to {@code count} partitions. */
    public CompletableFuture<ApiError> growPartitions(String topic, int count) {
        var data = new CreatePartitionsRequestData().setTimeoutMs(TIMEOUT_MS);
        data.topics().add(new CreatePartitionsTopic().setName(topic).setCount(count).setAssignments(null));
        return channel.send(new CreatePartitionsRequest.Builder(data).build()).thenApply(answer -> {
            var result = ((CreatePartitionsResponse) answer).data().results().get(0);
            return new ApiError(Errors.forCode(result.errorCode()), result.errorMessage());
        });
    }
}
