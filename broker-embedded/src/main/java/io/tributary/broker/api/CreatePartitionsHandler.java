package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.ControllerResult;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.MetadataRecord;
import io.tributary.broker.metadata.TopicControl;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * CreatePartitions: increase only; every topic gets its own result, errors included. A topic named more than once
 * gets one INVALID_REQUEST and none of its entries is applied (Kafka's ControllerApis.createPartitions).
 */
final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequest> {
    private final Controller controller;
    private final TopicControl topicControl;

    CreatePartitionsHandler(Controller controller, TopicControl topicControl) {
        this.controller = controller;
        this.topicControl = topicControl;
    }

    @Override
    public CompletableFuture<CreatePartitionsResponse> handle(RequestContext context,
                                                              CreatePartitionsRequest request) {
        boolean validateOnly = request.data().validateOnly();
        List<CreatePartitionsTopic> topics = new ArrayList<>(request.data().topics());
        return controller.write(image -> createAll(image, topics, validateOnly)).thenApply(results -> {
            var data = new CreatePartitionsResponseData();
            results.forEach((name, error) -> data.results().add(new CreatePartitionsTopicResult().setName(name)
                    .setErrorCode(error.error().code()).setErrorMessage(error.isFailure() ? error.message() : null)));
            return new CreatePartitionsResponse(data);
        });
    }

    private ControllerResult<LinkedHashMap<String, ApiError>> createAll(MetadataImage image,
                                                                       List<CreatePartitionsTopic> topics,
                                                                       boolean validateOnly) {
        var results = new LinkedHashMap<String, ApiError>();
        var records = new ArrayList<MetadataRecord>();
        var seen = new HashSet<String>();
        for (CreatePartitionsTopic topic : topics) {
            if (!seen.add(topic.name())) {
                results.put(topic.name(), new ApiError(Errors.INVALID_REQUEST, "Duplicate topic name."));
            }
        }
        for (CreatePartitionsTopic topic : topics) {
            if (results.containsKey(topic.name())) {
                continue;
            }
            List<List<Integer>> assignments = null;
            if (topic.assignments() != null) {
                assignments = new ArrayList<>();
                for (CreatePartitionsAssignment assignment : topic.assignments()) {
                    assignments.add(new ArrayList<>(assignment.brokerIds()));
                }
            }
            ControllerResult<ApiError> result = topicControl.createPartitions(image, topic.name(), topic.count(),
                    assignments, validateOnly);
            results.put(topic.name(), result.response());
            records.addAll(result.records());
        }
        return new ControllerResult<>(records, results);
    }
}
