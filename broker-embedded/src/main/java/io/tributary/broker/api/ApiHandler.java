package io.tributary.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * Handles one Kafka API. Domain failures become error codes in the response (one mapping per API); the future
 * completes with null only where Kafka sends no response (Produce with acks=0).
 */
@FunctionalInterface
public interface ApiHandler<R extends AbstractRequest> {
    CompletableFuture<? extends AbstractResponse> handle(RequestContext context, R request);

    /**
     * The isolation level a Fetch or ListOffsets asks for. Only 0 and 1 exist (KIP-98); any other byte is the
     * client's error, INVALID_REQUEST, where kafka-clients' {@code isolationLevel()} throws a bare
     * IllegalArgumentException.
     */
    static IsolationLevel isolationLevel(byte id) {
        try {
            return IsolationLevel.forId(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Unknown isolation level " + id);
        }
    }
}
