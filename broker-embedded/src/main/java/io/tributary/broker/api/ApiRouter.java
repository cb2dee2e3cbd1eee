package io.tributary.broker.api;

import io.tributary.broker.metrics.BrokerMetrics;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
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

    /**
     * Whether any error code in the response (top level or per partition) is not NONE. Fetch and Produce, the
     * requests that come by the thousand, are looked at directly: {@code errorCounts()} builds maps over every
     * partition (a follower's fetch lists every partition it follows).
     */
    private static boolean hasError(AbstractResponse response) {
        if (response instanceof FetchResponse fetch) {
            return fetchHasError(fetch.data());
        }
        if (response instanceof ProduceResponse produce) {
            for (var topic : produce.data().responses()) {
                for (var partition : topic.partitionResponses()) {
                    if (partition.errorCode() != Errors.NONE.code()) {
                        return true;
                    }
                }
            }
            return false;
        }
        for (Errors error : response.errorCounts().keySet()) {
            if (error != Errors.NONE) {
                return true;
            }
        }
        return false;
    }

    private static boolean fetchHasError(FetchResponseData data) {
        if (data.errorCode() != Errors.NONE.code()) {
            return true;
        }
        List<FetchResponseData.FetchableTopicResponse> topics = data.responses();
        for (int t = 0; t < topics.size(); t++) {
            List<FetchResponseData.PartitionData> partitions = topics.get(t).partitions();
            for (int p = 0; p < partitions.size(); p++) {
                if (partitions.get(p).errorCode() != Errors.NONE.code()) {
                    return true;
                }
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
