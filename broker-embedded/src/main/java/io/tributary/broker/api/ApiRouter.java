package io.tributary.broker.api;

import io.tributary.broker.metrics.BrokerMetrics;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * The single table from API key to handler and served version range. It routes requests and is also the source of
 * the ApiVersions answer, so the broker advertises what it implements, with Kafka's one exception: Produce is
 * advertised from version 0 although only 3 and later are served (KAFKA-18659: librdkafka up to 2.11 takes a
 * broker whose Produce starts above 0 for one without compression support and sends its batches uncompressed;
 * Kafka 4 advertises 0 and closes the connection on v0-2, and so do we).
 */
public final class ApiRouter implements RequestRouter {
    private record Route(ApiHandler<AbstractRequest> handler, short minVersion, short maxVersion) {
        short advertisedMinVersion(ApiKeys api) {
            return api == ApiKeys.PRODUCE ? 0 : minVersion;
        }
    }

    private final Map<ApiKeys, Route> routes = new EnumMap<>(ApiKeys.class);
    private final BrokerMetrics metrics;

    public ApiRouter(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Serves every stable version of {@code api} that kafka-clients can decode. A version kafka-clients marks
     * unstable (still being designed in a KIP) is left out, as Kafka's brokers leave it out unless
     * {@code unstable.api.versions.enable} is set.
     */
    public <R extends AbstractRequest> ApiRouter register(ApiKeys api, ApiHandler<R> handler) {
        return register(api, api.oldestVersion(), api.latestVersion(false), handler);
    }

    @SuppressWarnings("unchecked")
    public <R extends AbstractRequest> ApiRouter register(ApiKeys api, short minVersion, short maxVersion,
                                                          ApiHandler<R> handler) {
        routes.put(api, new Route((ApiHandler<AbstractRequest>) handler, minVersion, maxVersion));
        return this;
    }

    @Override
    public boolean isEnabled(ApiKeys api, short version) {
        Route route = routes.get(api);
        return route != null && version >= route.minVersion() && version <= route.maxVersion();
    }

    @Override
    public CompletableFuture<? extends AbstractResponse> handle(RequestContext context, AbstractRequest request) {
        ApiKeys api = context.header.apiKey();
        Route route = routes.get(api);
        long startNanos = System.nanoTime();
        CompletableFuture<? extends AbstractResponse> response = route.handler().handle(context, request);
        response.whenComplete((answer, failure) -> metrics.recordRequest(api.name(), System.nanoTime() - startNanos,
                failure != null || (answer != null && hasError(answer))));
        return response;
    }

    /** Whether any error code in the response (top level or per partition) is not NONE. */
    private static boolean hasError(AbstractResponse response) {
        for (Errors error : response.errorCounts().keySet()) {
            if (error != Errors.NONE) {
                return true;
            }
        }
        return false;
    }

    /** The ApiVersions answer: every registered API with its served range. */
    public ApiVersionCollection apiVersions() {
        var versions = new ApiVersionCollection();
        routes.forEach((api, route) -> versions.add(new ApiVersion().setApiKey(api.id)
                .setMinVersion(route.advertisedMinVersion(api)).setMaxVersion(route.maxVersion())));
        return versions;
    }
}
