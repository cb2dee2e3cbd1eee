package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.TopicControl;
import io.tributary.broker.metadata.TopicControl.TopicReference;
import io.tributary.broker.metadata.TopicDeletion;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DeleteTopics by name or (v6) by topic id, with Kafka's checks of the request (see
 * {@link TopicControl#deleteTopics}). With {@code delete.topic.enable=false} every topic gets
 * TOPIC_DELETION_DISABLED, or INVALID_REQUEST below v3, which predates that error (Kafka's ControllerApis).
 */
final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {
    private final Controller controller;
    private final TopicControl topicControl;

    DeleteTopicsHandler(Controller controller, TopicControl topicControl) {
        this.controller = controller;
        this.topicControl = topicControl;
    }

    @Override
    public CompletableFuture<DeleteTopicsResponse> handle(RequestContext context, DeleteTopicsRequest request) {
        if (!topicControl.deleteTopicEnable()) {
            Exception disabled = context.apiVersion() < 3
                    ? new InvalidRequestException("This version does not support topic deletion.")
                    : new TopicDeletionDisabledException();
            return CompletableFuture.completedFuture((DeleteTopicsResponse) request.getErrorResponse(0, disabled));
        }
        var topics = new ArrayList<TopicReference>();
        for (DeleteTopicState topic : request.topics()) {
            topics.add(new TopicReference(topic.name(), topic.topicId()));
        }
        return controller.write(image -> topicControl.deleteTopics(image, topics)).thenApply(results -> {
            var data = new DeleteTopicsResponseData();
            for (TopicDeletion result : results) {
                data.responses().add(new DeletableTopicResult().setName(result.name()).setTopicId(result.topicId())
                        .setErrorCode(result.error().error().code())
                        .setErrorMessage(result.error().isFailure() ? result.error().messageWithFallback() : null));
            }
            return new DeleteTopicsResponse(data);
        });
    }
}
