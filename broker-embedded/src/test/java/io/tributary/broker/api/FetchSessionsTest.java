package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental fetch sessions (KIP-227): on the wire, a full fetch opens a session and later fetches get only the
 * partitions with news; with a real consumer, records keep flowing across many incremental fetches and across a
 * broker restart that loses every session.
 */
class FetchSessionsTest {
    private static final String TOPIC = "sessions";
    private static final short VERSION = ApiKeys.FETCH.latestVersion();

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private Uuid topicId;

    @BeforeEach
    void startBrokerWithFourPartitions() throws Exception {
        broker = TestBroker.start(dataDir);
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 4, Map.of());
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            topicId = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId();
        }
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    private void produce(KafkaProducer<String, String> producer, int partition, String... values) throws Exception {
        for (String value : values) {
            producer.send(new ProducerRecord<>(TOPIC, partition, "k", value)).get();
        }
    }

    private FetchResponse fetch(WireClient wire, FetchMetadata metadata, Map<Integer, Long> offsets,
                                List<Integer> forgotten, int maxWaitMs) {
        var partitions = new LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
        offsets.forEach((partition, offset) -> partitions.put(new TopicPartition(TOPIC, partition),
                new FetchRequest.PartitionData(topicId, offset, -1, 1024 * 1024, Optional.empty())));
        var removed = new ArrayList<TopicIdPartition>();
        forgotten.forEach(partition -> removed.add(new TopicIdPartition(topicId, partition, TOPIC)));
        return wire.send(FetchRequest.Builder.forConsumer(VERSION, maxWaitMs, 1, partitions).metadata(metadata)
                .removed(removed), VERSION);
    }

    /** Partition index to the values it returned, for the partitions present in the response. */
    private Map<Integer, List<String>> returned(FetchResponse response) {
        var result = new TreeMap<Integer, List<String>>();
        for (var entry : response.responseData(Map.of(topicId, TOPIC), VERSION).entrySet()) {
            FetchResponseData.PartitionData data = entry.getValue();
            assertThat(Errors.forCode(data.errorCode())).isEqualTo(Errors.NONE);
            var values = new ArrayList<String>();
            for (RecordBatch batch : FetchResponse.recordsOrFail(data).batches()) {
                for (Record record : batch) {
                    values.add(java.nio.charset.StandardCharsets.UTF_8.decode(record.value()).toString());
                }
            }
            result.put(entry.getKey().partition(), values);
        }
        return result;
    }

    @Test
    void aFullFetchOpensASessionAndIncrementalFetchesReturnOnlyPartitionsWithNews() throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers());
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            produce(producer, 0, "p0-a");

            FetchResponse full = fetch(wire, FetchMetadata.INITIAL, Map.of(0, 0L, 1, 0L, 2, 0L), List.of(), 0);
            int sessionId = full.sessionId();
            assertThat(full.error()).isEqualTo(Errors.NONE);
            assertThat(sessionId).isNotZero();
            assertThat(returned(full)).isEqualTo(Map.of(0, List.of("p0-a"), 1, List.of(), 2, List.of()));

            // Partition 0 moved on; nothing else changed: an empty answer.
            FetchResponse quiet = fetch(wire, new FetchMetadata(sessionId, 1), Map.of(0, 1L), List.of(), 0);
            assertThat(quiet.sessionId()).isEqualTo(sessionId);
            assertThat(returned(quiet)).isEmpty();

            // Partitions the client does not name stay in the session and are read from their cached offsets.
            produce(producer, 2, "p2-a", "p2-b");
            FetchResponse news = fetch(wire, new FetchMetadata(sessionId, 2), Map.of(), List.of(), 2_000);
            assertThat(returned(news)).isEqualTo(Map.of(2, List.of("p2-a", "p2-b")));

            // A forgotten partition is no longer read.
            FetchResponse forget = fetch(wire, new FetchMetadata(sessionId, 3), Map.of(2, 2L), List.of(1), 0);
            assertThat(returned(forget)).isEmpty();
            produce(producer, 1, "p1-a");
            FetchResponse afterForget = fetch(wire, new FetchMetadata(sessionId, 4), Map.of(), List.of(), 300);
            assertThat(returned(afterForget)).isEmpty();

            // A partition added to the session is read from the offset given.
            FetchResponse added = fetch(wire, new FetchMetadata(sessionId, 5), Map.of(3, 0L, 1, 0L), List.of(), 0);
            assertThat(returned(added)).isEqualTo(Map.of(1, List.of("p1-a"), 3, List.of()));
        }
    }

    @Test
    void aWrongSessionEpochOrAnUnknownSessionIsRefused() {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            int sessionId = fetch(wire, FetchMetadata.INITIAL, Map.of(0, 0L), List.of(), 0).sessionId();

            FetchResponse skipped = fetch(wire, new FetchMetadata(sessionId, 2), Map.of(), List.of(), 0);
            FetchResponse unknown = fetch(wire, new FetchMetadata(sessionId + 1, 1), Map.of(), List.of(), 0);
            FetchResponse inOrder = fetch(wire, new FetchMetadata(sessionId, 1), Map.of(), List.of(), 0);

            assertThat(skipped.error()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
            assertThat(unknown.error()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
            assertThat(inOrder.error()).isEqualTo(Errors.NONE);
            assertThat(inOrder.sessionId()).isEqualTo(sessionId);
        }
    }

    @Test
    void aSessionOutlivingItsTopicGetsUnknownTopicIdNotTheRecreatedTopicsRecords() throws Exception {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            int sessionId = fetch(wire, FetchMetadata.INITIAL, Map.of(0, 0L), List.of(), 0).sessionId();
            Uuid oldId = topicId;
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                admin.deleteTopics(List.of(TOPIC)).all().get();
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(TOPIC, 4, (short) 1))).all()
                        .get();
            }
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
                produce(producer, 0, "reborn");
            }

            FetchResponse stale = fetch(wire, new FetchMetadata(sessionId, 1), Map.of(), List.of(), 0);

            assertThat(stale.error()).isEqualTo(Errors.NONE);
            FetchResponseData.FetchableTopicResponse topic = stale.data().responses().get(0);
            assertThat(topic.topicId()).isEqualTo(oldId);
            assertThat(Errors.forCode(topic.partitions().get(0).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_ID);
            assertThat(FetchResponse.recordsSize(topic.partitions().get(0))).isZero();
        }
    }

    @Test
    void aSessionlessFetchGetsNoSession() {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            FetchResponse legacy = fetch(wire, FetchMetadata.LEGACY, Map.of(0, 0L), List.of(), 0);

            assertThat(legacy.error()).isEqualTo(Errors.NONE);
            assertThat(legacy.sessionId()).isZero();
        }
    }

    @Test
    void aConsumerReceivesEveryPartitionInOrderAcrossManyPollsAndABrokerRestart() throws Exception {
        List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1),
                new TopicPartition(TOPIC, 2), new TopicPartition(TOPIC, 3));
        var received = new TreeMap<Integer, List<String>>();
        partitions.forEach(tp -> received.put(tp.partition(), new ArrayList<>()));
        int rounds = 20;
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of("fetch.max.wait.ms", 100));
             KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            consumer.assign(partitions);
            partitions.forEach(tp -> consumer.seek(tp, 0));
            for (int round = 0; round < rounds; round++) {
                if (round == rounds / 2) {
                    broker.restartOnSamePort();
                }
                // Each round writes to a rotating subset, so some partitions stay quiet in the session.
                for (int p = 0; p <= round % 4; p++) {
                    produce(producer, (p + round) % 4, "r" + round);
                }
                int expected = received.values().stream().mapToInt(List::size).sum() + round % 4 + 1;
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    consumer.poll(Duration.ofMillis(100)).forEach(record ->
                            received.get(record.partition()).add(record.value()));
                    return received.values().stream().mapToInt(List::size).sum() >= expected;
                });
            }
        }

        var expected = new TreeMap<Integer, List<String>>();
        partitions.forEach(tp -> expected.put(tp.partition(), new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            for (int p = 0; p <= round % 4; p++) {
                expected.get((p + round) % 4).add("r" + round);
            }
        }
        assertThat(received).isEqualTo(expected);
    }
}
