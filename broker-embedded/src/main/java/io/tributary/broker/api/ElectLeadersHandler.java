package io.tributary.broker.api;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.TopicControl;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * ElectLeaders (KIP-183, KIP-460), run by the active controller (a broker forwards it there, as Kafka's do):
 * preferred-replica and unclean elections as {@link TopicControl#electLeaders} makes them; the answer comes once
 * the leader changes are in the metadata log. {@code kafka-leader-election} and Admin's {@code electLeaders} use it.
 * {@code TimeoutMs} goes unused: the answer does not wait for the new leaders to take over.
 */
final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequest> {
    private final Controller controller;
    private final TopicControl topicControl;

    ElectLeadersHandler(Controller controller, TopicControl topicControl) {
        this.controller = controller;
        this.topicControl = topicControl;
    }

    @Override
    public CompletableFuture<ElectLeadersResponse> handle(RequestContext context, ElectLeadersRequest request) {
        ElectLeadersRequestData data = request.data();
        ElectionType type;
        try {
            type = ElectionType.valueOf(data.electionType());
        } catch (IllegalArgumentException e) {
            // Before the controller sees it: a client's mistake, answered INVALID_REQUEST as Kafka answers it.
            throw new InvalidRequestException("Unknown election type " + data.electionType());
        }
        return controller.write(image -> topicControl.electLeaders(image, type, data))
                .thenApply(ElectLeadersResponse::new);
    }
}
