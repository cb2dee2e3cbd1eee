package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
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
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
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
}
