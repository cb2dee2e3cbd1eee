package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProduceFetchRoundTripTest {
    @TempDir
    Path dataDir;

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void recordsRoundTripExactlyInEveryCompression(String compression) throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String topic = "round-trip-" + compression;
            Clients.createTopic(broker.bootstrapServers(), topic, 2, Map.of());
            int count = 500;
            long baseTimestamp = System.currentTimeMillis() - 10_000;
            var sent = new ArrayList<RecordMetadata>();
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression,
                            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 5))) {
                var futures = new ArrayList<Future<RecordMetadata>>();
                for (int i = 0; i < count; i++) {
                    var record = new ProducerRecord<>(topic, 1, baseTimestamp + i, "key-" + i, "value-" + i);
                    record.headers().add(new RecordHeader("h", ("header-" + i).getBytes(StandardCharsets.UTF_8)));
                    futures.add(producer.send(record));
                }
                for (Future<RecordMetadata> future : futures) {
                    sent.add(future.get());
                }
            }
            for (int i = 0; i < count; i++) {
                assertThat(sent.get(i).offset()).isEqualTo(i);
                assertThat(sent.get(i).partition()).isEqualTo(1);
            }
            List<ConsumerRecord<String, String>> received = Clients.readExactly(broker.bootstrapServers(),
                    new TopicPartition(topic, 1), 0, count);
            assertThat(received).hasSize(count);
            for (int i = 0; i < count; i++) {
                ConsumerRecord<String, String> record = received.get(i);
                assertThat(record.offset()).isEqualTo(i);
                assertThat(record.key()).isEqualTo("key-" + i);
                assertThat(record.value()).isEqualTo("value-" + i);
                assertThat(record.timestamp()).isEqualTo(baseTimestamp + i);
                assertThat(new String(record.headers().lastHeader("h").value(), StandardCharsets.UTF_8))
                        .isEqualTo("header-" + i);
            }
        }
    }

    @Test
    void seekToMiddleReadsFromThatOffset() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String topic = "seek";
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
                }
                producer.flush();
            }
            List<ConsumerRecord<String, String>> received = Clients.readExactly(broker.bootstrapServers(),
                    new TopicPartition(topic, 0), 42, 58);
            assertThat(received).hasSize(58);
            assertThat(received.get(0).offset()).isEqualTo(42);
            assertThat(received.get(0).value()).isEqualTo("v42");
            assertThat(received.get(57).value()).isEqualTo("v99");
        }
    }

    @Test
    void everyRefusedRecordOfABatchFailsWithItsOwnError() throws Exception {
        // Kafka's LogValidator checks every record and names each refused one (KIP-467 record_errors); with more
        // than one, the producer fails each with InvalidRecordException and that record's own message, and the
        // records in between with a plain KafkaException.
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String topic = "compacted-within-an-hour";
            Clients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("cleanup.policy", "compact",
                    "message.timestamp.before.max.ms", "3600000"));
            long nowMs = System.currentTimeMillis();
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.LINGER_MS_CONFIG, 1000, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
                Future<RecordMetadata> keyless = producer.send(new ProducerRecord<>(topic, 0, nowMs, null, "v0"));
                Future<RecordMetadata> valid = producer.send(new ProducerRecord<>(topic, 0, nowMs, "k1", "v1"));
                Future<RecordMetadata> old = producer.send(new ProducerRecord<>(topic, 0, nowMs - 7_200_000, "k2",
                        "v2"));
                producer.flush();

                assertThatThrownBy(keyless::get).cause().isExactlyInstanceOf(InvalidRecordException.class)
                        .hasMessageContaining("without key");
                assertThatThrownBy(valid::get).cause().isExactlyInstanceOf(KafkaException.class);
                assertThatThrownBy(old::get).cause().isExactlyInstanceOf(InvalidRecordException.class)
                        .hasMessageContaining("is out of range");
            }
        }
    }

    /** Sends one partition's records at {@code version} as they are: kafka-clients' builder refuses these itself. */
    private static Errors produceAsIs(WireClient wire, String topic, short version, MemoryRecords records) {
        var data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000);
        var topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        data.topicData().add(topicData);
        ProduceResponse response = wire.send(new AbstractRequest.Builder<ProduceRequest>(ApiKeys.PRODUCE, version,
                version) {
            @Override
            public ProduceRequest build(short buildVersion) {
                return new ProduceRequest(data, buildVersion);
            }
        }, version);
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    private static MemoryRecords record(byte magic, Compression compression) {
        return MemoryRecords.withRecords(magic, compression, new SimpleRecord(System.currentTimeMillis(),
                "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void batchesAProduceVersionDoesNotAllowAreRefusedAsKafkaRefusesThem() throws Exception {
        // Kafka's ProduceRequest.validateRecords, per partition: exactly one batch, of magic v2, and no zstd below
        // Produce v7 (KIP-110).
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String topic = "produce-rules";
            Clients.createTopic(broker.bootstrapServers(), topic, 1, Map.of());
            try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
                MemoryRecords first = record(RecordBatch.MAGIC_VALUE_V2, Compression.NONE);
                MemoryRecords second = record(RecordBatch.MAGIC_VALUE_V2, Compression.NONE);
                ByteBuffer both = ByteBuffer.allocate(first.sizeInBytes() + second.sizeInBytes());
                both.put(first.buffer().duplicate()).put(second.buffer().duplicate()).flip();
                assertThat(produceAsIs(wire, topic, (short) 9, MemoryRecords.readableRecords(both)))
                        .isEqualTo(Errors.INVALID_RECORD);

                MemoryRecords zstd = record(RecordBatch.MAGIC_VALUE_V2, Compression.zstd().build());
                assertThat(produceAsIs(wire, topic, (short) 6, zstd)).isEqualTo(Errors.UNSUPPORTED_COMPRESSION_TYPE);
                assertThat(produceAsIs(wire, topic, (short) 7, zstd)).isEqualTo(Errors.NONE);

                assertThat(produceAsIs(wire, topic, (short) 3, record(RecordBatch.MAGIC_VALUE_V0, Compression.NONE)))
                        .isEqualTo(Errors.INVALID_RECORD);
                assertThat(produceAsIs(wire, topic, (short) 9, record(RecordBatch.MAGIC_VALUE_V1, Compression.NONE)))
                        .isEqualTo(Errors.INVALID_RECORD);
            }
            // Only the zstd batch at v7 is in the log.
            assertThat(Clients.readToEnd(broker.bootstrapServers(), new TopicPartition(topic, 0),
                    IsolationLevel.READ_UNCOMMITTED)).extracting(ConsumerRecord::offset).containsExactly(0L);
        }
    }

    @Test
    void batchOverMaxMessageBytesOnceRecompressedIsMessageTooLarge() throws Exception {
        // Kafka's UnifiedLog checks max.message.bytes again after recompressing to the topic's compression.type.
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String topic = "small-uncompressed";
            Clients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("max.message.bytes", "1000",
                    "compression.type", "uncompressed"));
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip"))) {
                Future<RecordMetadata> large = producer.send(new ProducerRecord<>(topic, 0, null, "x".repeat(3000)));
                assertThatThrownBy(large::get).cause().isInstanceOf(RecordTooLargeException.class);
                assertThat(producer.send(new ProducerRecord<>(topic, 0, null, "x".repeat(500))).get().offset())
                        .isZero();
            }
        }
    }

    @Test
    void acksAllCountsMinInsyncReplicasAboveTheReplicationFactorAsTheReplicationFactor() throws Exception {
        // Kafka's Partition.effectiveMinIsr: min(min.insync.replicas, replicas).
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String topic = "min-isr-2";
            Clients.createTopic(broker.bootstrapServers(), topic, 1, Map.of("min.insync.replicas", "2"));
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
                            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000))) {
                assertThat(producer.send(new ProducerRecord<>(topic, 0, "k", "v")).get().offset()).isZero();
            }
        }
    }
}
