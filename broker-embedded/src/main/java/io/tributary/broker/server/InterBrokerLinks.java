package io.tributary.broker.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tributary.broker.metadata.BrokerRegistration;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import io.tributary.broker.network.Endpoint;
import io.tributary.broker.network.LinkFilter;
import io.tributary.broker.network.NodeClient;
import io.tributary.broker.replication.FetcherConfig;
import io.tributary.broker.replication.InterBrokerSender;
import io.tributary.broker.replication.ReplicaFetcherManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * This node's connections to the other brokers of its cluster: one event loop and the {@link NodeClient}s over it,
 * with each node found at the client endpoint it registered (in the metadata image). The replica fetchers and the
 * transaction marker writer send through it. A {@link LinkFilter} (allow-all outside tests) can cut links.
 */
final class InterBrokerLinks implements AutoCloseable {
    /** A fetch waits at the leader up to {@code replica.fetch.wait.max.ms}; the request may take that much longer. */
    private static final Duration REQUEST_MARGIN = Duration.ofSeconds(30);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final NodeClient fetchClient;
    private final NodeClient client;
    private final ReplicaFetcherManager fetchers;

    InterBrokerLinks(BrokerConfig config, LongSupplier brokerEpoch, Supplier<MetadataImage> image, LinkFilter links) {
        Duration connectTimeout = Duration.ofSeconds(10);
        // Fetches wait at the leader: their own connections, so other requests never queue behind them.
        this.fetchClient = new NodeClient("tributary-replica-fetcher-" + config.nodeId(), config.nodeId(), group,
                connectTimeout, Duration.ofMillis(config.replicaFetchWaitMaxMs()).plus(REQUEST_MARGIN), links);
        this.client = new NodeClient("tributary-broker-" + config.nodeId(), config.nodeId(), group, connectTimeout,
                REQUEST_MARGIN, links);
        var fetcherConfig = new FetcherConfig(config.numReplicaFetchers(), config.replicaFetchMaxBytes(),
                config.replicaFetchResponseMaxBytes(), config.replicaFetchWaitMaxMs(), config.replicaFetchMinBytes(),
                config.replicaFetchBackoffMs());
        this.fetchers = new ReplicaFetcherManager(config.nodeId(), brokerEpoch, fetcherConfig,
                sender(fetchClient, image));
    }

    ReplicaFetcherManager fetchers() {
        return fetchers;
    }

    /** Requests to other brokers (transaction markers, ...), outside the fetchers' connections. */
    InterBrokerSender sender(Supplier<MetadataImage> image) {
        return sender(client, image);
    }

    private static InterBrokerSender sender(NodeClient client, Supplier<MetadataImage> image) {
        return new InterBrokerSender() {
            @Override
            public CompletableFuture<AbstractResponse> send(int nodeId, AbstractRequest.Builder<?> request) {
                return send(nodeId, 0, request);
            }

            @Override
            public CompletableFuture<AbstractResponse> send(int nodeId, int lane, AbstractRequest.Builder<?> request) {
                BrokerRegistration broker = image.get().broker(nodeId);
                BrokerEndpoint endpoint = broker == null ? null : broker.endpoint();
                if (endpoint == null) {
                    return CompletableFuture.failedFuture(new DisconnectException("Node " + nodeId
                            + " is not registered"));
                }
                return client.send(new Endpoint(nodeId, endpoint.host(), endpoint.port()), lane, request);
            }
        };
    }

    @Override
    public void close() {
        fetchers.close();
        fetchClient.close();
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
