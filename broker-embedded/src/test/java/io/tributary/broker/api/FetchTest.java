package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fetch as consumers use it: long polling, offsets out of range, and batches larger than the fetch size. */
class FetchTest {
    @TempDir
    static Path dataDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dataDir);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static TopicPartition createTopic(String topic) throws Exception {
        Clients.createTopic(broker.bootstrapServers(), topic, 1, Map.of());
        return new TopicPartition(topic, 0);
    }

    private static void produce(TopicPartition partition, int count) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), "k" + i, "v" + i));
            }
            producer.flush();
        }
    }

    private static Uuid topicId(String topic) throws Exception {
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
        }
    }

    /** The answer to one fetch and how long the broker took to give it. */
    private record Timed(FetchResponseData.PartitionData data, long elapsedMs) {
    }

    /** One sessionless fetch of one partition over the wire, timed from request to answer. */
    private static Timed timedFetch(TopicPartition partition, long offset, int maxWaitMs, int minBytes)
            throws Exception {
        Uuid topicId = topicId(partition.topic());
        var partitions = new java.util.LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
        partitions.put(partition, new FetchRequest.PartitionData(topicId, offset, -1, 1024 * 1024, Optional.empty()));
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            long start = System.nanoTime();
            FetchResponse response = wire.send(FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(),
                    maxWaitMs, minBytes, partitions).metadata(FetchMetadata.LEGACY));
            long elapsedMs = millisSince(start);
            assertThat(response.error()).isEqualTo(Errors.NONE);
            return new Timed(response.responseData(Map.of(topicId, partition.topic()), ApiKeys.FETCH.latestVersion())
                    .get(partition), elapsedMs);
        }
    }

    private static FetchResponseData.PartitionData fetchOnce(TopicPartition partition, long offset, int maxWaitMs,
                                                            int minBytes) throws Exception {
        return timedFetch(partition, offset, maxWaitMs, minBytes).data();
    }

    private static int recordCount(FetchResponseData.PartitionData data) {
        int count = 0;
        for (RecordBatch batch : FetchResponse.recordsOrFail(data).batches()) {
            for (Record ignored : batch) {
                count++;
            }
        }
        return count;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Test
    void aLongPollReturnsAsSoonAsDataArrives() throws Exception {
        TopicPartition partition = createTopic("long-poll-arrives");
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 6_000));
        try {
            consumer.assign(List.of(partition));
            consumer.seek(partition, 0);
            assertThat(consumer.poll(Duration.ofMillis(300))).isEmpty();

            long start = System.nanoTime();
            later.schedule(() -> {
                produce(partition, 1);
                return null;
            }, 300, TimeUnit.MILLISECONDS);
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofSeconds(15));

            // The parked fetch completes on the append, long before fetch.max.wait.ms (6 s) runs out.
            assertThat(millisSince(start)).isLessThan(3_500);
            assertThat(records.count()).isEqualTo(1);
            assertThat(records.iterator().next().value()).isEqualTo("v0");
        } finally {
            later.shutdownNow();
            // The next fetch is parked for 6 s: do not wait for it to close the fetch session.
            consumer.close(CloseOptions.timeout(Duration.ofMillis(100)));
        }
    }

    @Test
    void aFetchWithNoDataWaitsForTheMaxWait() throws Exception {
        TopicPartition partition = createTopic("long-poll-empty");

        Timed fetch = timedFetch(partition, 0, 700, 1);
        FetchResponseData.PartitionData data = fetch.data();

        assertThat(fetch.elapsedMs()).isGreaterThanOrEqualTo(650);
        assertThat(Errors.forCode(data.errorCode())).isEqualTo(Errors.NONE);
        assertThat(recordCount(data)).isZero();
        assertThat(data.highWatermark()).isZero();
    }

    @Test
    void aFetchBelowMinBytesWaitsForTheMaxWaitThenReturnsWhatThereIs() throws Exception {
        TopicPartition partition = createTopic("long-poll-min-bytes");
        produce(partition, 3);

        Timed fetch = timedFetch(partition, 0, 700, 1024 * 1024);
        FetchResponseData.PartitionData data = fetch.data();

        assertThat(fetch.elapsedMs()).isGreaterThanOrEqualTo(650);
        assertThat(recordCount(data)).isEqualTo(3);
        assertThat(data.highWatermark()).isEqualTo(3);
    }

    @Test
    void aFetchWithEnoughDataDoesNotWait() throws Exception {
        TopicPartition partition = createTopic("long-poll-enough");
        produce(partition, 3);

        Timed fetch = timedFetch(partition, 1, 10_000, 1);
        FetchResponseData.PartitionData data = fetch.data();

        assertThat(fetch.elapsedMs()).isLessThan(2_000);
        assertThat(recordCount(data)).isEqualTo(3);
    }

    @Test
    void fetchBeyondLogEndReturnsOffsetOutOfRange() throws Exception {
        TopicPartition partition = createTopic("beyond-end");
        produce(partition, 10);

        FetchResponseData.PartitionData atEnd = fetchOnce(partition, 10, 0, 1);
        FetchResponseData.PartitionData beyond = fetchOnce(partition, 11, 0, 1);

        assertThat(Errors.forCode(atEnd.errorCode())).isEqualTo(Errors.NONE);
        assertThat(recordCount(atEnd)).isZero();
        assertThat(Errors.forCode(beyond.errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        assertThat(beyond.highWatermark()).isEqualTo(10);
        assertThat(beyond.logStartOffset()).isZero();
    }

    @Test
    void aConsumerWithoutResetPolicyFailsOnAnOffsetBeyondTheEnd() throws Exception {
        TopicPartition partition = createTopic("beyond-end-no-reset");
        produce(partition, 10);

        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, 50);

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(200)))
                            .isInstanceOfSatisfying(OffsetOutOfRangeException.class, e ->
                                    assertThat(e.offsetOutOfRangePartitions()).isEqualTo(Map.of(partition, 50L))));
        }
    }

    @Test
    void aConsumerResettingToLatestMovesAnOffsetBeyondTheEndToTheLogEnd() throws Exception {
        TopicPartition partition = createTopic("beyond-end-latest");
        produce(partition, 10);

        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"))) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, 50);

            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100));
                return consumer.position(partition) == 10;
            });
        }
    }

    @Test
    void batchesLargerThanMaxPartitionFetchBytesInSeveralPartitionsAreAllConsumed() throws Exception {
        Clients.createTopic(broker.bootstrapServers(), "big-batches", 3, Map.of());
        String payload = "y".repeat(500);
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 10_000, ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024))) {
            for (int partition = 0; partition < 3; partition++) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>("big-batches", partition, "k" + i, partition + "-" + i + payload));
                }
            }
            producer.flush();
        }

        var received = new java.util.TreeMap<Integer, List<String>>();
        List<TopicPartition> partitions = List.of(new TopicPartition("big-batches", 0),
                new TopicPartition("big-batches", 1), new TopicPartition("big-batches", 2));
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024))) {
            consumer.assign(partitions);
            partitions.forEach(tp -> consumer.seek(tp, 0));
            // Only the first partition of a fetch may exceed its limit (KIP-74); the others must come back empty,
            // not as a cut batch the consumer cannot make progress on.
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record -> received
                        .computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.value()));
                return received.values().stream().mapToInt(List::size).sum() >= 60;
            });
        }

        for (int partition = 0; partition < 3; partition++) {
            int p = partition;
            assertThat(received.get(partition)).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 20).mapToObj(i -> p + "-" + i + payload).toList());
        }
    }

    @Test
    void maxPartitionFetchBytesSmallerThanABatchStillReturnsTheWholeBatch() throws Exception {
        TopicPartition partition = createTopic("big-batch");
        String payload = "x".repeat(500);
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 10_000, ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024))) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(partition.topic(), 0, "k" + i, i + payload));
            }
            producer.flush();
        }

        var received = new ArrayList<ConsumerRecord<String, String>>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024,
                        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024))) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, 0);
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(received::add);
                return !received.isEmpty();
            });
        }

        // The ~10 KB batch came whole in the first answer, although both limits are 1 KB.
        assertThat(received).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(received.get(i).offset()).isEqualTo(i);
            assertThat(received.get(i).value()).isEqualTo(i + payload);
        }
    }
}
