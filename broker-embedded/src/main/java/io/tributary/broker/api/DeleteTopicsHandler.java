package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicControl;
import io.tributary.broker.metadata.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.RequestContext;

/** DeleteTopics by name or (v6) by topic id; an unknown id is UNKNOWN_TOPIC_ID. */
final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {
    private final Controller controller;
    private final TopicControl topicControl;

    DeleteTopicsHandler(Controller controller, TopicControl topicControl) {
        this.controller = controller;
        this.topicControl = topicControl;
    }

    @Override
    public CompletableFuture<DeleteTopicsResponse> handle(RequestContext context, DeleteTopicsRequest request) {
        MetadataImage image = controller.image();
        var names = new ArrayList<String>();
        var unknownIds = new LinkedHashMap<Uuid, ApiError>();
        var idsByName = new LinkedHashMap<String, Uuid>();
        for (DeleteTopicState state : request.topics()) {
            if (state.name() == null && state.topicId() != null && !Uuid.ZERO_UUID.equals(state.topicId())) {
                TopicImage topic = image.topic(state.topicId());
                if (topic == null) {
                    unknownIds.put(state.topicId(), new ApiError(Errors.UNKNOWN_TOPIC_ID, null));
                } else {
                    names.add(topic.name());
                    idsByName.put(topic.name(), topic.id());
                }
            } else {
                names.add(state.name());
            }
        }
        return controller.write(current -> topicControl.deleteTopics(current, names)).thenApply(results -> {
            var data = new DeleteTopicsResponseData();
            for (Map.Entry<String, ApiError> result : results.entrySet()) {
                var topicResult = new DeletableTopicResult().setName(result.getKey())
                        .setErrorCode(result.getValue().error().code())
                        .setErrorMessage(result.getValue().isFailure() ? result.getValue().message() : null);
                TopicImage topic = image.topic(result.getKey());
                if (context.apiVersion() >= 6) {
                    topicResult.setTopicId(topic != null ? topic.id() : idsByName.getOrDefault(result.getKey(),
                            Uuid.ZERO_UUID));
                }
                data.responses().add(topicResult);
            }
            unknownIds.forEach((id, error) -> data.responses().add(new DeletableTopicResult().setName(null)
                    .setTopicId(id).setErrorCode(error.error().code()).setErrorMessage(error.error().message())));
            return new DeleteTopicsResponse(data);
        });
    }
}
