package io.tributary.broker.api;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * DescribeAcls, CreateAcls and DeleteAcls on a broker without an authorizer: every answer is SECURITY_DISABLED, as
 * Kafka's {@code AclApis} gives when no {@code authorizer.class.name} is set (the top-level error of DescribeAcls,
 * one per creation or filter otherwise). Admin tools and UIs probe ACLs and handle exactly this error; a request
 * we did not advertise would have them fail with an unsupported version instead.
 */
final class SecurityDisabledHandler implements ApiHandler<AbstractRequest> {
    @Override
    public CompletableFuture<? extends AbstractResponse> handle(RequestContext context, AbstractRequest request) {
        return CompletableFuture.completedFuture(request.getErrorResponse(0,
                new SecurityDisabledException("No Authorizer is configured on the broker")));
    }
}
