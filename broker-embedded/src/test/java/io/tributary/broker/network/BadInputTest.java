package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input over real sockets: each case gets its clear error (or, for a frame that cannot be a request, a closed
 * connection), and after each one a normal client on another connection still reads every record written before,
 * exactly, and nothing else.
 */
class BadInputTest {
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;
    private static final String LEDGER = "ledger";
    private static final TopicPartition LEDGER_0 = new TopicPartition(LEDGER, 0);
    private static final int LEDGER_RECORDS = 40;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    static Path dataDir;
    private static TestBroker broker;

    @BeforeAll
    static void startBrokerAndWriteTheLedger() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("socket.request.max.bytes", MAX_REQUEST_BYTES));
        // Compacted (keyless records are invalid) with a small max.message.bytes, so each case has a target.
        Clients.createTopic(broker.bootstrapServers(), LEDGER, 1,
                Map.of("cleanup.policy", "compact", "max.message.bytes", "10000"));
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            for (int i = 0; i < LEDGER_RECORDS; i++) {
                producer.send(new ProducerRecord<>(LEDGER, 0, "key-" + i, "value-" + i)).get();
            }
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @AfterEach
    void brokerStillServesANormalClientAndTheLedgerIsIntact() {
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers())) {
            consumer.assign(List.of(LEDGER_0));
            consumer.seekToBeginning(List.of(LEDGER_0));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < LEDGER_RECORDS && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            assertThat(consumer.endOffsets(List.of(LEDGER_0))).containsEntry(LEDGER_0, (long) LEDGER_RECORDS);
        }
        assertThat(records).hasSize(LEDGER_RECORDS);
        for (int i = 0; i < LEDGER_RECORDS; i++) {
            assertThat(records.get(i).offset()).isEqualTo(i);
            assertThat(records.get(i).key()).isEqualTo("key-" + i);
            assertThat(records.get(i).value()).isEqualTo("value-" + i);
        }
    }

    private static RawConnection connect() throws Exception {
        return RawConnection.open(broker.bootstrapServers());
    }

    @Test
    void httpRequestClosesTheConnection() throws Exception {
        try (RawConnection connection = connect()) {
            // "GET " read as a size prefix is 1.2 GB, far over socket.request.max.bytes.
            connection.send("GET / HTTP/1.1\r\nHost: broker\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(connection.closedByBroker(CLOSE_TIMEOUT)).isTrue();
        }
    }

    @Test
    void garbageFrameOfAValidSizeClosesTheConnection() throws Exception {
        byte[] garbage = new byte[200];
        new Random(42).nextBytes(garbage);
        garbage[0] = 0x7f; // api key 0x7fxx: no such API
        try (RawConnection connection = connect()) {
            connection.send(KafkaFrames.sized(garbage));
            assertThat(connection.closedByBroker(CLOSE_TIMEOUT)).isTrue();
        }
    }

    @Test
    void truncatedFrameThenCloseLeavesTheBrokerServing() throws Exception {
        byte[] produce = KafkaFrames.sized(KafkaFrames.frame(KafkaFrames.produce(LEDGER,
                KafkaFrames.records(Compression.NONE, "torn", 5), (short) -1), 1));
        try (RawConnection connection = connect()) {
            connection.send(java.util.Arrays.copyOf(produce, produce.length / 2));
        }
    }

    @Test
    void bodyCutInsideAFieldClosesTheConnection() throws Exception {
        byte[] metadata = KafkaFrames.frame(KafkaFrames.metadata(LEDGER), 1);
        try (RawConnection connection = connect()) {
            // A size prefix that matches: the frame is whole, the body in it is not.
            connection.send(KafkaFrames.sized(java.util.Arrays.copyOf(metadata, metadata.length - 3)));
            assertThat(connection.closedByBroker(CLOSE_TIMEOUT)).isTrue();
        }
    }

    @Test
    void bytesAfterTheBodyAreIgnoredAsKafkaDoes() throws Exception {
        try (RawConnection connection = connect()) {
            // librdkafka 2.15 sends three such bytes after Metadata v13; Kafka's broker never reads them.
            MetadataResponse metadata = connection.request(KafkaFrames.metadata(LEDGER), new byte[] {1, 0, 0});
            FetchResponse fetched = connection.request(KafkaFrames.fetch(LEDGER, 0), new byte[64]);

            assertThat(metadata.topicMetadata()).singleElement()
                    .satisfies(topic -> assertThat(topic.error()).isEqualTo(Errors.NONE));
            assertThat(fetched.error()).isEqualTo(Errors.NONE);
            assertThat(fetched.data().responses().get(0).partitions().get(0).highWatermark())
                    .isEqualTo(LEDGER_RECORDS);
            ApiVersionsResponse stillOpen = connection.request(KafkaFrames.apiVersions());
            assertThat(stillOpen.data().errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void sizeOverSocketRequestMaxBytesClosesTheConnection() throws Exception {
        try (RawConnection connection = connect()) {
            connection.send(ByteBuffer.allocate(8).putInt(MAX_REQUEST_BYTES + 1).putInt(0).array());
            assertThat(connection.closedByBroker(CLOSE_TIMEOUT)).isTrue();
        }
    }

    @Test
    void negativeSizeClosesTheConnection() throws Exception {
        try (RawConnection connection = connect()) {
            connection.send(ByteBuffer.allocate(8).putInt(-1).putInt(0).array());
            assertThat(connection.closedByBroker(CLOSE_TIMEOUT)).isTrue();
        }
    }

    @Test
    void unknownApiKeyClosesTheConnection() throws Exception {
        try (RawConnection connection = connect()) {
            connection.send(KafkaFrames.sized(KafkaFrames.header((short) 999, (short) 0, (short) 1, 1)));
            assertThat(connection.closedByBroker(CLOSE_TIMEOUT)).isTrue();
        }
    }

    @Test
    void produceBelowItsMinimumVersionClosesTheConnection() throws Exception {
        byte[] body = new byte[64];
        try (RawConnection connection = connect()) {
            connection.send(KafkaFrames.sized(KafkaFrames.concat(
                    KafkaFrames.header(ApiKeys.PRODUCE.id, (short) 1, (short) 1, 1), body)));
            assertThat(connection.closedByBroker(CLOSE_TIMEOUT)).isTrue();
        }
    }

    @Test
    void apiVersionsAtAFutureVersionGetsUnsupportedVersionWithOurRangesInAV0Response() throws Exception {
        try (RawConnection connection = connect()) {
            ApiVersionsResponse served = connection.request(KafkaFrames.apiVersions());
            byte[] body = KafkaFrames.bytes(MessageUtil.toByteBufferAccessor(new ApiVersionsRequestData()
                    .setClientSoftwareName("future").setClientSoftwareVersion("99"), (short) 3).buffer());

            connection.send(KafkaFrames.sized(KafkaFrames.concat(
                    KafkaFrames.header(ApiKeys.API_VERSIONS.id, (short) 99, (short) 2, 77), body)));

            ByteBuffer frame = ByteBuffer.wrap(connection.readFrame());
            assertThat(frame.getInt()).isEqualTo(77);
            ApiVersionsResponse answer = ApiVersionsResponse.parse(new ByteBufferAccessor(frame), (short) 0);
            assertThat(answer.data().errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(ranges(answer.data().apiKeys())).isEqualTo(ranges(served.data().apiKeys()))
                    .contains("PRODUCE 0-" + ApiKeys.PRODUCE.latestVersion());
            // The client negotiates down on the same connection.
            ApiVersionsResponse retry = connection.request(new ApiVersionsRequest.Builder().build((short) 0));
            assertThat(retry.data().errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    private static List<String> ranges(Iterable<ApiVersion> versions) {
        var ranges = new ArrayList<String>();
        versions.forEach(v -> ranges.add(ApiKeys.forId(v.apiKey()) + " " + v.minVersion() + "-" + v.maxVersion()));
        return ranges.stream().sorted().toList();
    }

    private static Errors produceError(MemoryRecords records) throws Exception {
        try (RawConnection connection = connect()) {
            ProduceResponse response = connection.request(KafkaFrames.produce(LEDGER, records, (short) -1));
            return Errors.forCode(response.data().responses().find(LEDGER, org.apache.kafka.common.Uuid.ZERO_UUID)
                    .partitionResponses().get(0).errorCode());
        }
    }

    @Test
    void batchWithACorruptCrcGetsCorruptMessage() throws Exception {
        MemoryRecords records = KafkaFrames.records(Compression.NONE, "corrupt", 3);
        ByteBuffer buffer = records.buffer();
        int lastValueByte = buffer.limit() - 2;
        buffer.put(lastValueByte, (byte) (buffer.get(lastValueByte) ^ 0x01));

        assertThat(produceError(records)).isEqualTo(Errors.CORRUPT_MESSAGE);
    }

    @Test
    void batchOverMaxMessageBytesGetsMessageTooLarge() throws Exception {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), KafkaFrames.utf8("big"), new byte[20_000]));

        assertThat(produceError(records)).isEqualTo(Errors.MESSAGE_TOO_LARGE);
    }

    @Test
    void keylessRecordOnACompactedTopicGetsInvalidRecord() throws Exception {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), null, KafkaFrames.utf8("no key")));

        assertThat(produceError(records)).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void controlBatchFromAClientGetsInvalidRecord() throws Exception {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(7L, (short) 0,
                new EndTransactionMarker(ControlRecordType.ABORT, 0));

        assertThat(produceError(marker)).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void unknownIsolationLevelGetsInvalidRequestAndKeepsTheConnection() throws Exception {
        var fetch = (FetchRequest) KafkaFrames.fetch(LEDGER, 0);
        fetch.data().setIsolationLevel((byte) 5);
        var listOffsets = (ListOffsetsRequest) KafkaFrames.listOffsets(LEDGER, -1);
        listOffsets.data().setIsolationLevel((byte) -1);
        try (RawConnection connection = connect()) {
            FetchResponse fetched = connection.request(fetch);
            assertThat(fetched.error()).isEqualTo(Errors.INVALID_REQUEST);

            ListOffsetsResponse listed = connection.request(listOffsets);
            assertThat(listed.data().topics().get(0).partitions().get(0).errorCode())
                    .isEqualTo(Errors.INVALID_REQUEST.code());

            ApiVersionsResponse stillOpen = connection.request(KafkaFrames.apiVersions());
            assertThat(stillOpen.data().errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void invalidTopicNameInCreateTopicsGetsInvalidTopicException() {
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            for (String name : List.of("bad/name", "..", "a".repeat(250))) {
                assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get())
                        .as(name).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidTopicException.class);
            }
        }
    }

    @Test
    void excessivePartitionCountsGetPolicyViolationInsteadOfExhaustingTheController() {
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("huge", Integer.MAX_VALUE, (short) 1)))
                    .all().get()).hasCauseInstanceOf(PolicyViolationException.class);
            assertThatThrownBy(() -> admin.createPartitions(Map.of(LEDGER, NewPartitions.increaseTo(Integer.MAX_VALUE)))
                    .all().get()).hasCauseInstanceOf(PolicyViolationException.class);
        }
    }

    @ParameterizedTest
    @CsvSource({"retention.ms, forever", "cleanup.policy, sometimes", "max.message.bytes, -5",
                "no.such.config, 1"})
    void invalidTopicConfigGetsInvalidConfig(String name, String value) {
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            var topic = new NewTopic("config-" + name.replace('.', '-'), 1, (short) 1).configs(Map.of(name, value));

            assertThatThrownBy(() -> admin.createTopics(List.of(topic)).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(InvalidConfigurationException.class);
            assertThat(admin.listTopics().names()).succeedsWithin(Duration.ofSeconds(10))
                    .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.collection(String.class))
                    .doesNotContain(topic.name());
        }
    }
}
