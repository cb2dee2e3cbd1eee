package io.tributary.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.apache.kafka.common.requests.SaslAuthenticateRequest;
import org.apache.kafka.common.requests.SaslAuthenticateResponse;
import org.apache.kafka.common.requests.SaslHandshakeRequest;
import org.apache.kafka.common.requests.SaslHandshakeResponse;

/**
 * SaslHandshake and SaslAuthenticate on a plaintext listener, answered ILLEGAL_SASL_STATE as Kafka's
 * {@code KafkaApis} answers them once a connection is authenticated (a plaintext one always is). A client
 * configured for SASL against a plaintext broker then fails at once with an authentication error that says so,
 * instead of reconnecting forever to a broker that closes its connections.
 */
final class PlaintextSaslHandler implements ApiHandler<AbstractRequest> {
    @Override
    public CompletableFuture<? extends AbstractResponse> handle(RequestContext context, AbstractRequest request) {
        if (request instanceof SaslHandshakeRequest) {
            return CompletableFuture.completedFuture(new SaslHandshakeResponse(new SaslHandshakeResponseData()
                    .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())));
        }
        if (request instanceof SaslAuthenticateRequest) {
            return CompletableFuture.completedFuture(new SaslAuthenticateResponse(new SaslAuthenticateResponseData()
                    .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate request received after successful authentication")));
        }
        throw new IllegalArgumentException("Not a SASL request: " + request.apiKey());
    }
}
