package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records come back exactly (offsets, keys, values, headers, timestamps) across segment rolls, a clean restart,
 * and an unclean stop. The unclean stop is simulated in-process: the data directory is copied while the broker
 * runs (what the page cache holds at a kill -9, with no clean-shutdown marker and no final checkpoints), a torn
 * half batch is appended to the copy's active segment, and a second broker starts on the copy.
 */
class LogDurabilityTest {
    private static final long T = System.currentTimeMillis() - 600_000;

    @TempDir
    Path dataDir;

    @TempDir
    Path crashDir;

    /** Sends records {@code from..from+count-1} to partition 0: key "key-i", value "value-i", header, time T+i. */
    private static List<RecordMetadata> produce(String bootstrap, String topic, int from, int count) throws Exception {
        var sent = new ArrayList<Future<RecordMetadata>>();
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap,
                Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 512, ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (int i = from; i < from + count; i++) {
                var record = new ProducerRecord<>(topic, 0, T + i, "key-" + i, "value-" + i);
                record.headers().add(new RecordHeader("seq", String.valueOf(i).getBytes(StandardCharsets.UTF_8)));
                sent.add(producer.send(record));
            }
            producer.flush();
        }
        var metadata = new ArrayList<RecordMetadata>();
        for (Future<RecordMetadata> future : sent) {
            metadata.add(future.get());
        }
        return metadata;
    }

    private static void assertExactly(String bootstrap, TopicPartition partition, int count) {
        List<ConsumerRecord<String, String>> records = Clients.readExactly(bootstrap, partition, 0, count);
        assertThat(records).hasSize(count);
        assertProducedRecords(records, count);
    }

    /** The first {@code count} records are the ones {@link #produce} sent. */
    private static void assertProducedRecords(List<ConsumerRecord<String, String>> records, int count) {
        for (int i = 0; i < count; i++) {
            ConsumerRecord<String, String> record = records.get(i);
            assertThat(record.offset()).isEqualTo(i);
            assertThat(record.key()).isEqualTo("key-" + i);
            assertThat(record.value()).isEqualTo("value-" + i);
            assertThat(record.timestamp()).isEqualTo(T + i);
            assertThat(new String(record.headers().lastHeader("seq").value(), StandardCharsets.UTF_8))
                    .isEqualTo(String.valueOf(i));
        }
    }

    private static List<Path> segmentFiles(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    @Test
    void recordsRoundTripAcrossSegmentRollsAndACleanRestart() throws Exception {
        var partition = new TopicPartition("rolling", 0);
        try (TestBroker broker = TestBroker.start(dataDir)) {
            Clients.createTopic(broker.bootstrapServers(), "rolling", 1, Map.of("segment.bytes", "1024"));
            List<RecordMetadata> first = produce(broker.bootstrapServers(), "rolling", 0, 300);
            assertThat(first).extracting(RecordMetadata::offset)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 300).boxed().toList());
            assertThat(segmentFiles(dataDir.resolve("rolling-0"))).hasSizeGreaterThan(10);
            assertExactly(broker.bootstrapServers(), partition, 300);

            broker.restart();

            assertExactly(broker.bootstrapServers(), partition, 300);
            List<RecordMetadata> second = produce(broker.bootstrapServers(), "rolling", 300, 100);
            assertThat(second.get(0).offset()).isEqualTo(300);
            assertThat(second.get(99).offset()).isEqualTo(399);
            assertExactly(broker.bootstrapServers(), partition, 400);
        }
    }

    @Test
    void recordsSurviveAnUncleanStopAndATornTailIsCutOff() throws Exception {
        var partition = new TopicPartition("crashy", 0);
        MemoryRecords idempotentBatch;
        try (TestBroker running = TestBroker.start(dataDir)) {
            Clients.createTopic(running.bootstrapServers(), "crashy", 1, Map.of("segment.bytes", "1024"));
            produce(running.bootstrapServers(), "crashy", 0, 100);
            Uuid topicId;
            try (Admin admin = Clients.admin(running.bootstrapServers())) {
                topicId = admin.describeTopics(List.of("crashy")).allTopicNames().get().get("crashy").topicId();
            }
            try (WireClient wire = WireClient.connect(running.bootstrapServers())) {
                InitProducerIdResponse init = wire.send(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                        .setTransactionalId(null).setTransactionTimeoutMs(60_000).setProducerId(-1)
                        .setProducerEpoch((short) -1)));
                idempotentBatch = MemoryRecords.withIdempotentRecords(Compression.NONE, init.data().producerId(),
                        (short) 0, 0, new SimpleRecord(T + 100, "key-100".getBytes(StandardCharsets.UTF_8),
                                "value-100".getBytes(StandardCharsets.UTF_8)));
                PartitionProduceResponse appended = produceOne(wire, topicId, idempotentBatch);
                assertThat(appended.baseOffset()).isEqualTo(100);
            }

            // The "kill -9": what is on disk (page cache included) at this instant, nothing written at shutdown.
            copyDirectory(dataDir, crashDir);
        }
        assertThat(crashDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).doesNotExist();
        List<Path> segments = segmentFiles(crashDir.resolve("crashy-0"));
        Path active = segments.get(segments.size() - 1);
        long intactBytes = Files.size(active);
        MemoryRecords torn = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("half".getBytes(StandardCharsets.UTF_8), "written".getBytes(StandardCharsets.UTF_8)));
        byte[] half = new byte[torn.sizeInBytes() / 2];
        torn.buffer().duplicate().get(half);
        Files.write(active, half, StandardOpenOption.APPEND);

        try (TestBroker recovered = TestBroker.start(crashDir)) {
            assertThat(Files.size(active)).isEqualTo(intactBytes);
            List<ConsumerRecord<String, String>> records = Clients.readExactly(recovered.bootstrapServers(),
                    partition, 0, 101);
            assertThat(records).hasSize(101);
            assertProducedRecords(records, 100);
            assertThat(records.get(100).value()).isEqualTo("value-100");

            Uuid topicId;
            try (Admin admin = Clients.admin(recovered.bootstrapServers())) {
                topicId = admin.describeTopics(List.of("crashy")).allTopicNames().get().get("crashy").topicId();
            }
            try (WireClient wire = WireClient.connect(recovered.bootstrapServers())) {
                PartitionProduceResponse retry = produceOne(wire, topicId, idempotentBatch);
                assertThat(Errors.forCode(retry.errorCode())).isEqualTo(Errors.NONE);
                assertThat(retry.baseOffset()).isEqualTo(100);
            }
            try (KafkaProducer<String, String> producer = Clients.producer(recovered.bootstrapServers())) {
                assertThat(producer.send(new ProducerRecord<>("crashy", 0, "after", "crash")).get().offset())
                        .isEqualTo(101);
            }
        }
    }

    private static PartitionProduceResponse produceOne(WireClient wire, Uuid topicId, MemoryRecords records) {
        var topic = new ProduceRequestData.TopicProduceData().setName("crashy").setTopicId(topicId)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records)));
        ProduceResponse response = wire.send(ProduceRequest.builder(new ProduceRequestData().setAcks((short) -1)
                .setTimeoutMs(10_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(topic).iterator()))));
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    @Test
    void segmentMsRollsTheActiveSegmentOnTheNextAppend() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            Clients.createTopic(broker.bootstrapServers(), "timed-roll", 1, Map.of("segment.ms", "5000"));
            long now = System.currentTimeMillis();
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
                // segment.ms counts from the first batch's timestamp: a minute ago, so the next append rolls.
                producer.send(new ProducerRecord<>("timed-roll", 0, now - 60_000, "k0", "old")).get();
                producer.send(new ProducerRecord<>("timed-roll", 0, now, "k1", "new")).get();
            }

            assertThat(segmentFiles(dataDir.resolve("timed-roll-0"))).extracting(p -> p.getFileName().toString())
                    .containsExactly("00000000000000000000.log", "00000000000000000001.log");
            assertThat(Clients.readExactly(broker.bootstrapServers(), new TopicPartition("timed-roll", 0), 0, 2))
                    .extracting(ConsumerRecord::value).containsExactly("old", "new");
        }
    }
}
