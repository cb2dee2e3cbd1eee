package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tributary.broker.testing.BrokerProcess;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inter-broker client against a real broker over 127.0.0.1: round trips, concurrent requests, version
 * negotiation, and every way a request can end without an answer (the broker stops, the request times out, the
 * client closes, the link is cut), each failing the request promptly and leaving a client that reconnects.
 */
class NodeClientTest {
    private static final int LOCAL_NODE = 100;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Far below the request timeout: a failure this fast was not a timeout. */
    private static final long PROMPTLY_SECONDS = 10;

    @TempDir
    Path dataDir;

    private EventLoopGroup group;
    private TestBroker broker;
    private final List<NodeClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        broker = TestBroker.start(dataDir);
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(NodeClient::close);
        if (broker != null) {
            broker.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
    }

    private NodeClient client(Duration requestTimeout, LinkFilter linkFilter) {
        var client = new NodeClient("node-client-test", LOCAL_NODE, group, CONNECT_TIMEOUT, requestTimeout,
                linkFilter);
        clients.add(client);
        return client;
    }

    private NodeClient client() {
        return client(REQUEST_TIMEOUT, LinkFilter.ALLOW_ALL);
    }

    private Endpoint node() {
        return new Endpoint(broker.broker().nodeId(), "127.0.0.1", broker.broker().port());
    }

    private static MetadataRequest.Builder metadataOf(String topic) {
        return new MetadataRequest.Builder(new MetadataRequestData()
                .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))
                .setAllowAutoTopicCreation(false));
    }

    private static <R extends AbstractResponse> R answer(CompletableFuture<AbstractResponse> future)
            throws Exception {
        @SuppressWarnings("unchecked")
        R response = (R) future.get(PROMPTLY_SECONDS, TimeUnit.SECONDS);
        return response;
    }

    /** The failure of {@code future}, which must come within {@link #PROMPTLY_SECONDS}. */
    private static Throwable failureOf(CompletableFuture<AbstractResponse> future) throws Exception {
        try {
            AbstractResponse response = future.get(PROMPTLY_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("Expected the request to fail, but it got " + response);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** A consumer Fetch the broker parks for {@code maxWaitMs}: nothing to read past the end of an empty topic. */
    private FetchRequest.Builder longPollFetch(String topic, int maxWaitMs) throws Exception {
        return longPollFetch(broker.bootstrapServers(), topic, maxWaitMs);
    }

    private static FetchRequest.Builder longPollFetch(String bootstrapServers, String topic, int maxWaitMs)
            throws Exception {
        Clients.createTopic(bootstrapServers, topic, 1, Map.of());
        Uuid topicId;
        try (Admin admin = Clients.admin(bootstrapServers)) {
            topicId = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
        }
        var partitions = new LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
        partitions.put(new TopicPartition(topic, 0), new FetchRequest.PartitionData(topicId, 0, 0, 1 << 20,
                java.util.Optional.empty()));
        return FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(), maxWaitMs, 1, partitions);
    }

    @Test
    void apiVersionsAndMetadataRoundTrip() throws Exception {
        NodeClient client = client();

        ApiVersionsResponse versions = answer(client.send(node(), new ApiVersionsRequest.Builder()));
        MetadataResponse metadata = answer(client.send(node(), new MetadataRequest.Builder(List.of(), false)));

        assertThat(Errors.forCode(versions.data().errorCode())).isEqualTo(Errors.NONE);
        assertThat(versions.data().apiKeys().find(ApiKeys.FETCH.id)).isNotNull();
        assertThat(metadata.brokers()).singleElement().satisfies(node -> {
            assertThat(node.id()).isEqualTo(broker.broker().nodeId());
            assertThat(node.port()).isEqualTo(broker.broker().port());
        });
    }

    @Test
    void concurrentRequestsFromManyThreadsEachGetTheirOwnAnswer() throws Exception {
        NodeClient client = client();
        var futures = new ArrayList<CompletableFuture<CompletableFuture<AbstractResponse>>>();
        for (int i = 0; i < 200; i++) {
            String topic = "topic-" + i;
            futures.add(CompletableFuture.supplyAsync(() -> client.send(node(), metadataOf(topic))));
        }

        for (int i = 0; i < futures.size(); i++) {
            MetadataResponse response = answer(futures.get(i).get(PROMPTLY_SECONDS, TimeUnit.SECONDS));
            assertThat(response.data().topics()).singleElement().satisfies(topic -> {
                assertThat(Errors.forCode(topic.errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            });
            assertThat(response.data().topics().iterator().next().name()).isEqualTo("topic-" + i);
        }
    }

    @Test
    void requestsGoAtTheHighestVersionBothSidesKnow() throws Exception {
        NodeClient client = client();
        ApiVersionsResponse served = answer(client.send(node(), new ApiVersionsRequest.Builder()));
        ApiVersion metadata = served.data().apiKeys().find(ApiKeys.METADATA.id);
        short clientNewest = ApiKeys.METADATA.latestVersion();

        var upToPeer = new VersionRecordingBuilder(metadataOf("a"), (short) 0, clientNewest);
        var upToUs = new VersionRecordingBuilder(metadataOf("b"), (short) 0, (short) (metadata.maxVersion() - 1));
        answer(client.send(node(), upToPeer));
        answer(client.send(node(), upToUs));

        assertThat(upToPeer.builtAt).isEqualTo((short) Math.min(clientNewest, metadata.maxVersion()));
        assertThat(upToUs.builtAt).isEqualTo((short) (metadata.maxVersion() - 1));
        // Only versions the broker does not serve: refused here, never sent.
        var tooNew = new VersionRecordingBuilder(metadataOf("c"), (short) (metadata.maxVersion() + 1),
                (short) (metadata.maxVersion() + 1));
        assertThat(failureOf(client.send(node(), tooNew))).isInstanceOf(UnsupportedVersionException.class);
        assertThat(tooNew.builtAt).isEqualTo((short) -1);
        // An API the broker does not serve at all.
        ApiKeys unserved = java.util.Arrays.stream(ApiKeys.values())
                .filter(key -> served.data().apiKeys().find(key.id) == null).findFirst().orElseThrow();
        var neverBuilt = new VersionRecordingBuilder(metadataOf("e"), unserved);
        assertThat(failureOf(client.send(node(), neverBuilt))).isInstanceOf(UnsupportedVersionException.class);
        assertThat(neverBuilt.builtAt).isEqualTo((short) -1);
        // The connection is still good.
        MetadataResponse after = answer(client.send(node(), metadataOf("d")));
        assertThat(after.data().topics().iterator().next().name()).isEqualTo("d");
    }

    @Test
    void aBrokerKilledMidRequestFailsTheRequestWaitingOnItPromptly(@TempDir Path processDir) throws Exception {
        // A separate process, killed with SIGKILL: a broker stopped cleanly answers its parked fetches first.
        try (BrokerProcess process = BrokerProcess.start(processDir.resolve("data"), Map.of())) {
            String bootstrap = process.bootstrapServers();
            var node = new Endpoint(1, "127.0.0.1",
                    Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)));
            NodeClient client = client();
            FetchRequest.Builder fetch = longPollFetch(bootstrap, "parked", 60_000);
            answer(client.send(node, metadataOf("parked")));
            CompletableFuture<AbstractResponse> parked = client.send(node, fetch);

            process.kill();

            assertThat(failureOf(parked)).isInstanceOf(DisconnectException.class);
        }
    }

    @Test
    void aRequestWithoutAnAnswerInTimeFailsAndTheNextOneReconnects() throws Exception {
        NodeClient client = client(Duration.ofMillis(500), LinkFilter.ALLOW_ALL);
        FetchRequest.Builder fetch = longPollFetch("slow", 20_000);

        long startNanos = System.nanoTime();
        assertThat(failureOf(client.send(node(), fetch))).isInstanceOf(TimeoutException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos)).isGreaterThanOrEqualTo(500);

        // The connection behind it was closed, as Kafka's client closes it; the next request gets a new one.
        await().atMost(Duration.ofSeconds(PROMPTLY_SECONDS)).ignoreExceptions().until(() ->
                answer(client.send(node(), metadataOf("after"))) != null);
    }

    @Test
    void closingTheClientFailsWhatWaitsAndWhatComesAfter() throws Exception {
        NodeClient client = client();
        FetchRequest.Builder fetch = longPollFetch("closing", 60_000);
        answer(client.send(node(), metadataOf("closing")));
        CompletableFuture<AbstractResponse> parked = client.send(node(), fetch);

        client.close();

        assertThat(failureOf(parked)).isInstanceOf(DisconnectException.class);
        assertThat(failureOf(client.send(node(), metadataOf("late")))).isInstanceOf(DisconnectException.class);
    }

    @Test
    void aRequestWaitingAtTheNodeHoldsUpOnlyItsOwnLane() throws Exception {
        NodeClient client = client();
        FetchRequest.Builder fetch = longPollFetch("lanes", 60_000);
        answer(client.send(node(), 0, metadataOf("lanes")));
        CompletableFuture<AbstractResponse> parked = client.send(node(), 0, fetch);

        // The broker answers one request of a connection at a time: on lane 0 this would wait a minute.
        MetadataResponse otherLane = answer(client.send(node(), 1, metadataOf("other")));

        assertThat(otherLane.data().topics().iterator().next().name()).isEqualTo("other");
        assertThat(parked).isNotDone();
    }

    @Test
    void anUnreachableNodeFailsTheRequestPromptly() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        NodeClient client = client();

        assertThat(failureOf(client.send(new Endpoint(7, "127.0.0.1", closedPort), metadataOf("x"))))
                .isInstanceOf(DisconnectException.class);
    }

    @Test
    void theClientReconnectsWhenTheBrokerComesBackOnTheSamePort() throws Exception {
        NodeClient client = client();
        Endpoint node = node();
        answer(client.send(node, metadataOf("before")));

        broker.restartOnSamePort();

        // The first request after the restart may still find the old connection closing; one soon succeeds.
        MetadataResponse after = await().atMost(Duration.ofSeconds(PROMPTLY_SECONDS)).ignoreExceptions()
                .until(() -> (MetadataResponse) answer(client.send(node, metadataOf("after"))),
                        response -> response != null);
        assertThat(after.brokers()).singleElement().satisfies(n -> assertThat(n.port()).isEqualTo(node.port()));
    }

    @Test
    void aCutLinkLosesRequestsUntilItIsMendedAgain() throws Exception {
        var cut = new AtomicBoolean();
        int brokerNode = broker.broker().nodeId();
        NodeClient client = client(Duration.ofSeconds(1), (from, to) ->
                !(cut.get() && (from == LOCAL_NODE && to == brokerNode || from == brokerNode && to == LOCAL_NODE)));
        answer(client.send(node(), metadataOf("before")));

        cut.set(true);
        // Over the open connection: lost, so it times out, and the connection is closed.
        assertThat(failureOf(client.send(node(), metadataOf("lost")))).isInstanceOf(TimeoutException.class);
        // No new connection can be made across the cut.
        await().atMost(Duration.ofSeconds(PROMPTLY_SECONDS)).until(() ->
                failureOf(client.send(node(), metadataOf("unreachable"))) instanceof DisconnectException);

        cut.set(false);
        await().atMost(Duration.ofSeconds(PROMPTLY_SECONDS)).ignoreExceptions().until(() ->
                answer(client.send(node(), metadataOf("mended"))) != null);
    }

    @Test
    void aResponseOnACutReturnPathIsNotDelivered() throws Exception {
        var cut = new AtomicBoolean();
        int brokerNode = broker.broker().nodeId();
        NodeClient client = client(Duration.ofSeconds(1), (from, to) -> !(cut.get() && from == brokerNode));
        answer(client.send(node(), metadataOf("before")));

        cut.set(true);

        assertThat(failureOf(client.send(node(), metadataOf("lost")))).isInstanceOf(TimeoutException.class);
    }

    /** Builds the request it wraps and remembers the version it was built at. */
    private static final class VersionRecordingBuilder extends AbstractRequest.Builder<AbstractRequest> {
        private final AbstractRequest.Builder<?> delegate;
        volatile short builtAt = -1;

        VersionRecordingBuilder(AbstractRequest.Builder<?> delegate, short oldest, short latest) {
            super(delegate.apiKey(), oldest, latest);
            this.delegate = delegate;
        }

        /** A builder of {@code apiKey} requests that builds {@code delegate}'s: only to be refused before building. */
        VersionRecordingBuilder(AbstractRequest.Builder<?> delegate, ApiKeys apiKey) {
            super(apiKey, apiKey.oldestVersion(), apiKey.latestVersion());
            this.delegate = delegate;
        }

        @Override
        public AbstractRequest build(short version) {
            builtAt = version;
            return delegate.build(version);
        }
    }
}
