package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request framing with Kafka as the oracle: every version of every API Tributary advertises, and Apache Kafka 4.3.1
 * serves too, goes to both brokers over raw sockets in each {@link Shape}, and each broker's outcome (answered, with
 * which error codes, or connection closed) is compared. Kafka's broker parses the header and then the body and never
 * looks at what follows ({@code SocketServer}, {@code RequestContext.parseRequest}), so:
 *
 * <pre>
 * AS_IS                  | header       | body       |               answered
 * SHORT_TAIL             | header       | body       | 01 00 00 |    answered as AS_IS
 * LONG_TAIL              | header       | body       | 64 bytes |    answered as AS_IS
 * UNKNOWN_TAGGED_FIELDS  | header + tag | body + tag |               answered as AS_IS (flexible versions only)
 * TRUNCATED_BODY         | header       | half body  |               connection closed (bodies of a byte or more)
 * </pre>
 *
 * <p>Produce v0 to v2 are the exception: advertised and refused at any length ({@link #refusedAtAnyLength}).
 *
 * <p>The body is the API's request data with its defaults ({@code ApiMessageType#newRequest}), so names are empty
 * and no request changes what other tests on the shared Kafka node see; the few that need a name use one unique to
 * the run. Produce goes with {@code acks=-1}: its default, {@code acks=0}, gets no response by design. Answered vs
 * closed is framing and must match for every API version; the error codes of a default request are handler
 * semantics, compared too, except where {@link #HANDLER_DIFFERENCES} lists how the two brokers differ today. Each
 * broker gets one connection, replaced after every close.
 */
class RequestFramingSideBySideTest {
    /**
     * Where a default request gets other error codes from Tributary than from Kafka 4.3.1 today: handler semantics,
     * not framing, listed so the comparison holds everywhere else. An entry that stops being true fails the test.
     */
    private static final List<HandlerDifference> HANDLER_DIFFERENCES = List.of();

    /** librdkafka 2.15's Metadata v13 for all topics, after the size prefix: three bytes follow the body. */
    private static final String LIBRDKAFKA_METADATA_V13 = "0003000d00000003000772646b61666b610000000000010000";
    private static final byte[] SHORT_TAIL_BYTES = {1, 0, 0};
    private static final byte[] LONG_TAIL_BYTES = randomBytes(64);
    /** Names no other test uses, for the requests that need one. */
    private static final String RUN_ID = "framing-" + Long.toString(System.nanoTime(), 36);
    /**
     * Both brokers create {@code __consumer_offsets} and {@code __transaction_state} on the first FindCoordinator;
     * the comparisons start once both have them, so group and transaction APIs answer as on any cluster in use.
     */
    private static final Duration COORDINATORS_TIMEOUT = Duration.ofSeconds(60);
    /** Past every tag a request or header defines today, so it is unknown to both brokers. */
    private static final int UNKNOWN_TAG = 10_000;

    @TempDir
    static Path dataDir;

    private static TestBroker tributaryBroker;
    private static Peer tributary;
    private static Peer kafka;
    private static int combinations;
    private static long startNanos;

    /** What a request frame is sent as. */
    private enum Shape { AS_IS, SHORT_TAIL, LONG_TAIL, UNKNOWN_TAGGED_FIELDS, TRUNCATED_BODY }

    /** The error codes (NONE left out) each broker gives a default request of {@code api} at these versions. */
    private record HandlerDifference(ApiKeys api, int fromVersion, int toVersion, Set<Errors> tributary,
                                     Set<Errors> kafka) {
        static Optional<HandlerDifference> listedFor(ApiKeys api, short version) {
            return HANDLER_DIFFERENCES.stream().filter(difference -> difference.api == api
                    && version >= difference.fromVersion && version <= difference.toVersion).findFirst();
        }
    }

    /** A broker's outcome for one frame; error codes as {@link AbstractResponse#errorCounts}, NONE left out. */
    private sealed interface Outcome {
        record Answered(Set<Errors> errors) implements Outcome {
            @Override
            public String toString() {
                return "answered " + errors;
            }
        }

        record Closed() implements Outcome {
            @Override
            public String toString() {
                return "closed";
            }
        }
    }

    @BeforeAll
    static void startBothBrokers() throws Exception {
        tributaryBroker = TestBroker.start(dataDir, ApacheKafka.TRIBUTARY_MATCHING);
        tributary = new Peer("Tributary", tributaryBroker.bootstrapServers());
        kafka = new Peer("Apache Kafka", ApacheKafka.shared().bootstrapServers());
        startNanos = System.nanoTime();
        for (Peer peer : List.of(tributary, kafka)) {
            await().atMost(COORDINATORS_TIMEOUT).pollInterval(Duration.ofMillis(200))
                    .until(() -> peer.coordinatorsAvailable(CoordinatorType.GROUP, partitions("offsets.topic"))
                            && peer.coordinatorsAvailable(CoordinatorType.TRANSACTION,
                                    partitions("transaction.state.log")));
        }
    }

    private static int partitions(String internalTopicConfig) {
        return Integer.parseInt(ApacheKafka.TRIBUTARY_MATCHING.get(internalTopicConfig + ".num.partitions"));
    }

    @AfterAll
    static void stop() throws IOException {
        System.out.printf("request framing side by side: %d API versions in %d ms%n", combinations,
                (System.nanoTime() - startNanos) / 1_000_000);
        for (Peer peer : Arrays.asList(tributary, kafka)) {
            if (peer != null) {
                peer.close();
            }
        }
        if (tributaryBroker != null) {
            tributaryBroker.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyApiVersionBothServeIsFramedAsKafkaFramesIt() throws IOException {
        Map<ApiKeys, ApiVersion> ours = tributary.apiVersions();
        Map<ApiKeys, ApiVersion> theirs = kafka.apiVersions();
        var tests = new ArrayList<DynamicTest>();
        var kafkaDoesNotServe = new ArrayList<String>();
        ours.forEach((api, range) -> {
            ApiVersion served = theirs.get(api);
            for (short version = range.minVersion(); version <= range.maxVersion(); version++) {
                short v = version;
                if (served != null && version >= served.minVersion() && version <= served.maxVersion()) {
                    tests.add(DynamicTest.dynamicTest(api + " v" + v, () -> compare(api, v)));
                } else {
                    kafkaDoesNotServe.add(api + " v" + v);
                }
            }
        });
        System.out.println("request framing side by side: not compared, Kafka does not serve " + kafkaDoesNotServe);
        assertThat(tests).hasSizeGreaterThan(100);
        return tests.stream();
    }

    @Test
    void librdkafkaMetadataV13WithThreeBytesPastTheBodyGetsANormalMetadataResponse() throws IOException {
        byte[] frame = HexFormat.of().parseHex(LIBRDKAFKA_METADATA_V13);
        var header = new RequestHeader(ApiKeys.METADATA, (short) 13, "rdkafka", 3);
        for (Peer peer : List.of(tributary, kafka)) {
            try (RawConnection connection = RawConnection.open(peer.bootstrapServers)) {
                connection.send(KafkaFrames.sized(frame));

                var response = (MetadataResponse) AbstractResponse.parseResponse(
                        ByteBuffer.wrap(connection.readFrame()), header);
                assertThat(response.data().errorCode()).as(peer.name).isEqualTo(Errors.NONE.code());
                assertThat(response.data().brokers()).as(peer.name).hasSize(1);
                assertThat(response.data().clusterId()).as(peer.name).isNotEmpty();
                ApiVersionsResponse next = connection.request(KafkaFrames.apiVersions());
                assertThat(next.data().errorCode()).as(peer.name + ", same connection").isEqualTo(Errors.NONE.code());
            }
        }
    }

    @Test
    void apiVersionsAtAFutureVersionIsAnsweredInV0WithUnsupportedVersionWhateverItsBody() throws IOException {
        // KIP-511: a broker reads only the header of an ApiVersions request newer than it knows, so the client can
        // be told which versions to use.
        byte[] frame = KafkaFrames.concat(KafkaFrames.header(ApiKeys.API_VERSIONS.id, (short) 99, (short) 2, 9),
                LONG_TAIL_BYTES);
        for (Peer peer : List.of(tributary, kafka)) {
            try (RawConnection connection = RawConnection.open(peer.bootstrapServers)) {
                connection.send(KafkaFrames.sized(frame));

                ByteBuffer response = ByteBuffer.wrap(connection.readFrame());
                assertThat(response.getInt()).as(peer.name).isEqualTo(9);
                ApiVersionsResponse answer = ApiVersionsResponse.parse(new ByteBufferAccessor(response), (short) 0);
                assertThat(answer.data().errorCode()).as(peer.name).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
                assertThat(answer.data().apiKeys().find(ApiKeys.API_VERSIONS.id)).as(peer.name).isNotNull();
            }
        }
    }

    private static void compare(ApiKeys api, short version) throws IOException {
        combinations++;
        var ours = new EnumMap<Shape, Outcome>(Shape.class);
        var theirs = new EnumMap<Shape, Outcome>(Shape.class);
        for (Shape shape : Shape.values()) {
            Optional<byte[]> frame = frame(shape, api, version);
            if (frame.isPresent()) {
                ours.put(shape, tributary.exchange(api, version, shape, frame.get()));
                theirs.put(shape, kafka.exchange(api, version, shape, frame.get()));
            }
        }
        String both = " of " + api + " v" + version + "\nTributary:    " + ours + "\nApache Kafka: " + theirs;

        for (Shape shape : ours.keySet()) {
            Class<?> expected = shape == Shape.TRUNCATED_BODY || refusedAtAnyLength(api, version)
                    ? Outcome.Closed.class : Outcome.Answered.class;
            assertThat(theirs.get(shape)).as("Kafka's outcome for " + shape + both).isInstanceOf(expected);
            assertThat(ours.get(shape)).as("Tributary's outcome for " + shape + both).isInstanceOf(expected);
        }
        for (Map<Shape, Outcome> outcomes : List.of(ours, theirs)) {
            for (Shape lenient : List.of(Shape.SHORT_TAIL, Shape.LONG_TAIL, Shape.UNKNOWN_TAGGED_FIELDS)) {
                if (outcomes.containsKey(lenient)) {
                    assertThat(outcomes.get(lenient)).as(lenient + " answered as AS_IS" + both)
                            .isEqualTo(outcomes.get(Shape.AS_IS));
                }
            }
        }
        if (refusedAtAnyLength(api, version)) {
            return;
        }
        Set<Errors> ourErrors = ((Outcome.Answered) ours.get(Shape.AS_IS)).errors();
        Set<Errors> theirErrors = ((Outcome.Answered) theirs.get(Shape.AS_IS)).errors();
        Optional<HandlerDifference> listed = HandlerDifference.listedFor(api, version);
        if (listed.isEmpty()) {
            assertThat(ourErrors).as("error codes of a default request" + both).isEqualTo(theirErrors);
        } else {
            assertThat(List.of(ourErrors, theirErrors))
                    .as("the handler difference listed for " + api + " v" + version + " (remove it once fixed)" + both)
                    .isEqualTo(List.of(listed.get().tributary(), listed.get().kafka()));
        }
    }

    /**
     * Produce v0 to v2, which Kafka 4 removed but still advertises because librdkafka reads the oldest Produce
     * version from ApiVersions (KAFKA-18659): both brokers close the connection on any such request.
     */
    private static boolean refusedAtAnyLength(ApiKeys api, short version) {
        return api == ApiKeys.PRODUCE && version < 3;
    }

    /** The frame (after the size prefix) {@code shape} makes of a default request, unless it has no such form. */
    private static Optional<byte[]> frame(Shape shape, ApiKeys api, short version) {
        RequestHeaderData header = KafkaFrames.headerData(api, version, shape.ordinal() + 1);
        ApiMessage body = defaultRequest(api, version);
        byte[] asIs = KafkaFrames.frame(header, body);
        int bodyBytes = MessageUtil.toByteBufferAccessor(body, version).buffer().remaining();
        return switch (shape) {
            case AS_IS -> Optional.of(asIs);
            case SHORT_TAIL -> Optional.of(KafkaFrames.concat(asIs, SHORT_TAIL_BYTES));
            case LONG_TAIL -> Optional.of(KafkaFrames.concat(asIs, LONG_TAIL_BYTES));
            case UNKNOWN_TAGGED_FIELDS -> {
                if (api.requestHeaderVersion(version) < 2) {
                    yield Optional.empty();
                }
                header.unknownTaggedFields().add(new RawTaggedField(UNKNOWN_TAG, new byte[] {1, 2, 3}));
                body.unknownTaggedFields().add(new RawTaggedField(UNKNOWN_TAG, new byte[] {4, 5, 6, 7}));
                yield Optional.of(KafkaFrames.frame(header, body));
            }
            case TRUNCATED_BODY -> bodyBytes == 0 ? Optional.empty()
                    : Optional.of(Arrays.copyOf(asIs, asIs.length - bodyBytes + bodyBytes / 2));
        };
    }

    /**
     * The API's request data with its defaults, except where a default is refused before any handler sees it or
     * gets no answer: Produce's {@code acks=0} (no response by design), DescribeAcls' filter of resource type,
     * operation and permission UNKNOWN (rejected while parsing: use ANY), AddPartitionsToTxn v4+ with no
     * transaction (Kafka answers once every listed transaction is done, so never: verify one unknown id).
     */
    private static ApiMessage defaultRequest(ApiKeys api, short version) {
        ApiMessage data = api.messageType.newRequest();
        if (data instanceof ProduceRequestData produce) {
            produce.setAcks((short) -1);
        } else if (data instanceof DescribeAclsRequestData describeAcls) {
            describeAcls.setResourceTypeFilter(ResourceType.ANY.code()).setOperation(AclOperation.ANY.code())
                    .setPermissionType(AclPermissionType.ANY.code());
        } else if (data instanceof AddPartitionsToTxnRequestData addPartitions && version >= 4) {
            addPartitions.transactions().add(new AddPartitionsToTxnTransaction().setTransactionalId(RUN_ID)
                    .setVerifyOnly(true));
        }
        return data;
    }

    /** Keys whose coordinator partition ({@code abs(hashCode) % partitions}, as both brokers place ids) covers all. */
    private static List<String> keysOnEveryPartition(int partitions) {
        var keys = new TreeMap<Integer, String>();
        for (int i = 0; keys.size() < partitions; i++) {
            String key = RUN_ID + "-" + i;
            keys.putIfAbsent(Utils.abs(key.hashCode()) % partitions, key);
        }
        return List.copyOf(keys.values());
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new Random(12).nextBytes(bytes);
        return bytes;
    }

    /** One broker and the connection to it, opened on demand and dropped when the broker closes it. */
    private static final class Peer implements AutoCloseable {
        private final String name;
        private final String bootstrapServers;
        private RawConnection connection;

        Peer(String name, String bootstrapServers) {
            this.name = name;
            this.bootstrapServers = bootstrapServers;
        }

        Map<ApiKeys, ApiVersion> apiVersions() throws IOException {
            try (RawConnection ask = RawConnection.open(bootstrapServers)) {
                ApiVersionsResponse response = ask.request(KafkaFrames.apiVersions());
                return response.data().apiKeys().stream().filter(v -> ApiKeys.hasId(v.apiKey()))
                        .collect(Collectors.toMap(v -> ApiKeys.forId(v.apiKey()), v -> v, (a, b) -> a,
                                () -> new EnumMap<>(ApiKeys.class)));
            }
        }

        /** Whether FindCoordinator finds a coordinator for a key on each partition of the internal topic. */
        boolean coordinatorsAvailable(CoordinatorType type, int partitions) throws IOException {
            var request = new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType(type.id())
                    .setCoordinatorKeys(keysOnEveryPartition(partitions))).build();
            try (RawConnection ask = RawConnection.open(bootstrapServers)) {
                FindCoordinatorResponse response = ask.request(request);
                return response.data().coordinators().stream()
                        .allMatch(coordinator -> coordinator.errorCode() == Errors.NONE.code());
            }
        }

        Outcome exchange(ApiKeys api, short version, Shape shape, byte[] frame) throws IOException {
            if (connection == null) {
                connection = RawConnection.open(bootstrapServers);
            }
            connection.send(KafkaFrames.sized(frame));
            Optional<byte[]> response;
            try {
                response = connection.readFrameUnlessClosed();
            } catch (SocketTimeoutException silence) {
                // The next request would queue behind this one: start the next comparison on a fresh connection.
                connection.close();
                connection = null;
                throw new AssertionError(name + " neither answered nor closed the connection after " + api + " v"
                        + version + " " + shape, silence);
            }
            if (response.isEmpty()) {
                connection.close();
                connection = null;
                return new Outcome.Closed();
            }
            var header = new RequestHeader(api, version, KafkaFrames.CLIENT_ID, shape.ordinal() + 1);
            AbstractResponse parsed = AbstractResponse.parseResponse(ByteBuffer.wrap(response.get()), header);
            return new Outcome.Answered(parsed.errorCounts().keySet().stream().filter(error -> error != Errors.NONE)
                    .collect(Collectors.toCollection(() -> EnumSet.noneOf(Errors.class))));
        }

        @Override
        public void close() throws IOException {
            if (connection != null) {
                connection.close();
            }
        }
    }
}
