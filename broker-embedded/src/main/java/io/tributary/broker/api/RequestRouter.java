package io.tributary.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * What the network layer hands decoded requests to (implemented by {@link ApiRouter}). A completed null response means "send nothing" (acks=0).
 */
public interface RequestRouter {

    /** Whether requests of this API are served at all; others close the connection, as Kafka does. */
    boolean isEnabled(ApiKeys api, short version);

    CompletableFuture<? extends AbstractResponse> handle(RequestContext context, AbstractRequest request);
}
