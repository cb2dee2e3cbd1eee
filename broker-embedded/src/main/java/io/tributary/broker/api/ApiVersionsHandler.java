package io.tributary.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * ApiVersions: the served ranges from the {@link ApiRouter}. A request at a version we do not know gets
 * UNSUPPORTED_VERSION with our ranges in a v0 response, so any client can negotiate down (KIP-511).
 */
final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {
    private final ApiRouter router;

    ApiVersionsHandler(ApiRouter router) {
        this.router = router;
    }

    @Override
    public CompletableFuture<ApiVersionsResponse> handle(RequestContext context, ApiVersionsRequest request) {
        var data = new ApiVersionsResponseData().setApiKeys(router.apiVersions());
        if (request.hasUnsupportedRequestVersion()) {
            data.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        } else if (!request.isValid()) {
            data.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(new ApiVersionsResponse(data));
    }
}
