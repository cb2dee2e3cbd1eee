package io.tributary.broker.api;

import java.util.concurrent.CompletableFuture;
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
}
