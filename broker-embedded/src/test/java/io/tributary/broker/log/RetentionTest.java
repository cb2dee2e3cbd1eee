package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background retention (by time and by size) and DeleteRecords, seen through clients: the log start offset
 * moves, ListOffsets EARLIEST follows it, and reading below it is OFFSET_OUT_OF_RANGE. Every record goes in its
 * own batch of the same size, and {@code segment.bytes} holds exactly three, so segment boundaries are known.
 */
class RetentionTest {
    @TempDir
    static Path dataDir;

    private static TestBroker broker;
    private static Admin admin;
    /** The size of one one-record batch as the producer writes it. */
    private static int batchBytes;

    @BeforeAll
    static void startBrokerAndMeasureABatch() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("log.retention.check.interval.ms", "200"));
        admin = Clients.admin(broker.bootstrapServers());
        Clients.createTopic(broker.bootstrapServers(), "probe", 1, Map.of());
        produce("probe", 0, 1, System.currentTimeMillis());
        batchBytes = (int) Files.size(dataDir.resolve("probe-0").resolve("00000000000000000000.log"));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    /** Sends records "v{from}".."v{from+count-1}" one batch each, all stamped {@code timestamp}. */
    private static void produce(String topic, int from, int count, long timestamp) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, timestamp, "k" + i, "v" + i)).get();
            }
        }
    }

    private static TopicPartition createTopic(String topic, Map<String, String> configs) throws Exception {
        var withSegments = new java.util.HashMap<>(configs);
        withSegments.put("segment.bytes", String.valueOf(3 * batchBytes));
        Clients.createTopic(broker.bootstrapServers(), topic, 1, withSegments);
        return new TopicPartition(topic, 0);
    }

    private static long earliest(TopicPartition partition) throws Exception {
        return admin.listOffsets(Map.of(partition, OffsetSpec.earliest())).partitionResult(partition).get().offset();
    }

    private static long latest(TopicPartition partition) throws Exception {
        return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset();
    }

    private static List<String> valuesFrom(TopicPartition partition, long offset, int count) {
        return Clients.readExactly(broker.bootstrapServers(), partition, offset, count).stream()
                .map(ConsumerRecord::value).toList();
    }

    private static FetchResponseData.PartitionData fetchAt(TopicPartition partition, long offset) throws Exception {
        Uuid topicId = admin.describeTopics(List.of(partition.topic())).allTopicNames().get()
                .get(partition.topic()).topicId();
        var partitions = new LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
        partitions.put(partition, new FetchRequest.PartitionData(topicId, offset, -1, 1024 * 1024, Optional.empty()));
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            FetchResponse response = wire.send(FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(), 0, 1,
                    partitions).metadata(FetchMetadata.LEGACY));
            return response.responseData(Map.of(topicId, partition.topic()), ApiKeys.FETCH.latestVersion())
                    .get(partition);
        }
    }

    private static void assertConsumerWithoutResetFailsAt(TopicPartition partition, long offset) {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, offset);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(200)))
                            .isInstanceOfSatisfying(OffsetOutOfRangeException.class, e ->
                                    assertThat(e.offsetOutOfRangePartitions()).isEqualTo(Map.of(partition, offset))));
        }
    }

    @Test
    void retentionMsDeletesExpiredSegmentsAndMovesTheLogStartOffset() throws Exception {
        TopicPartition partition = createTopic("expiring", Map.of("retention.ms", "-1"));
        long now = System.currentTimeMillis();
        produce("expiring", 0, 6, now - 3_600_000);
        produce("expiring", 6, 2, now);
        assertThat(earliest(partition)).isZero();

        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "expiring"),
                List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "60000"), AlterConfigOp.OpType.SET))))
                .all().get();

        // Segments [0-2] and [3-5] hold only hour-old records; [6-7] is recent.
        await().atMost(Duration.ofSeconds(10)).until(() -> earliest(partition) == 6);
        assertThat(latest(partition)).isEqualTo(8);
        assertThat(valuesFrom(partition, 6, 2)).containsExactly("v6", "v7");
        FetchResponseData.PartitionData below = fetchAt(partition, 3);
        assertThat(Errors.forCode(below.errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        assertThat(below.logStartOffset()).isEqualTo(6);
        assertConsumerWithoutResetFailsAt(partition, 0);
    }

    @Test
    void aConsumerResettingToEarliestSkipsToTheNewLogStart() throws Exception {
        TopicPartition partition = createTopic("expired-all", Map.of("retention.ms", "60000"));
        produce("expired-all", 0, 4, System.currentTimeMillis() - 3_600_000);

        // Even the active segment expires: it is rolled and deleted, leaving an empty log at offset 4.
        await().atMost(Duration.ofSeconds(10)).until(() -> earliest(partition) == 4);
        assertThat(latest(partition)).isEqualTo(4);
        produce("expired-all", 4, 1, System.currentTimeMillis());

        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, 1);
            var values = new java.util.ArrayList<String>();
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record -> values.add(record.offset() + ":"
                        + record.value()));
                return !values.isEmpty();
            });
            assertThat(values).containsExactly("4:v4");
        }
    }

    @Test
    void retentionBytesTrimsTheOldestSegmentsInTheBackground() throws Exception {
        TopicPartition partition = createTopic("bounded", Map.of("retention.bytes", String.valueOf(4 * batchBytes)));

        produce("bounded", 0, 10, System.currentTimeMillis());

        // [0-2] [3-5] [6-8] [9]: dropping [0-2] leaves 7 batches, dropping [3-5] leaves 4, the limit.
        await().atMost(Duration.ofSeconds(10)).until(() -> earliest(partition) == 6);
        assertThat(latest(partition)).isEqualTo(10);
        assertThat(valuesFrom(partition, 6, 4)).containsExactly("v6", "v7", "v8", "v9");
        assertThat(Errors.forCode(fetchAt(partition, 5).errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
    }

    @Test
    void deleteRecordsOnACompactOnlyTopicIsAPolicyViolation() throws Exception {
        TopicPartition compacted = createTopic("compacted-only", Map.of("cleanup.policy", "compact"));
        TopicPartition both = createTopic("compacted-and-deleted", Map.of("cleanup.policy", "compact,delete"));
        produce("compacted-only", 0, 4, System.currentTimeMillis());
        produce("compacted-and-deleted", 0, 4, System.currentTimeMillis());

        assertThatThrownBy(() -> admin.deleteRecords(Map.of(compacted, RecordsToDelete.beforeOffset(2))).all().get())
                .hasCauseInstanceOf(PolicyViolationException.class);
        long lowWatermark = admin.deleteRecords(Map.of(both, RecordsToDelete.beforeOffset(2))).lowWatermarks()
                .get(both).get().lowWatermark();

        assertThat(earliest(compacted)).isZero();
        assertThat(lowWatermark).isEqualTo(2);
        assertThat(earliest(both)).isEqualTo(2);
    }

    @Test
    void deleteRecordsMovesTheLowWatermarkAndSurvivesARestart() throws Exception {
        TopicPartition partition = createTopic("trimmed", Map.of());
        produce("trimmed", 0, 10, System.currentTimeMillis());

        long lowWatermark = admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(4)))
                .lowWatermarks().get(partition).get().lowWatermark();

        assertThat(lowWatermark).isEqualTo(4);
        assertThat(earliest(partition)).isEqualTo(4);
        assertThat(valuesFrom(partition, 4, 6)).containsExactly("v4", "v5", "v6", "v7", "v8", "v9");
        assertThat(Errors.forCode(fetchAt(partition, 3).errorCode())).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        // The whole segment [0-2] is gone; [3-5] stays because offsets 4 and 5 are still readable.
        assertThat(dataDir.resolve("trimmed-0").resolve("00000000000000000003.log")).exists();
        assertThatThrownBy(() -> admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(11)))
                .all().get()).hasCauseInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class);
        assertThat(admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(2))).lowWatermarks()
                .get(partition).get().lowWatermark()).isEqualTo(4);

        broker.restart();
        try (Admin restarted = Clients.admin(broker.bootstrapServers())) {
            assertThat(restarted.listOffsets(Map.of(partition, OffsetSpec.earliest())).partitionResult(partition)
                    .get().offset()).isEqualTo(4);
            long all = restarted.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(-1))).lowWatermarks()
                    .get(partition).get().lowWatermark();
            assertThat(all).isEqualTo(10);
        } finally {
            admin.close();
            admin = Clients.admin(broker.bootstrapServers());
        }
        assertThat(earliest(partition)).isEqualTo(10);
    }
}
