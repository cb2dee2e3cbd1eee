package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.BrokerProcess;
import io.tributary.broker.testing.Clients;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broker as a separate process, killed the way machines kill processes. An acknowledged record (acks=all) is
 * never lost to SIGKILL, a torn tail is cut back to the last whole batch and no further, and SIGTERM is a clean
 * shutdown. Record {@code i} of the stream is {@code v-i}, so "in order, no gap" is "offset i holds v-i".
 */
class CrashRecoveryTest {
    private static final String TOPIC = "stream";
    private static final TopicPartition STREAM_0 = new TopicPartition(TOPIC, 0);
    // Small segments, so recovery walks several and the tear is in the active one.
    private static final Map<String, String> TOPIC_CONFIG = Map.of("segment.bytes", "65536");

    @TempDir
    Path tempDir;

    private Path logDir() {
        return tempDir.resolve("data");
    }

    private static KafkaProducer<String, String> idempotentProducer(String bootstrapServers) {
        return Clients.producer(bootstrapServers, Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    /** Writes {@code v-0 .. v-(count-1)} and waits for every acknowledgement. */
    private static void writeStream(String bootstrapServers, int count) throws Exception {
        try (KafkaProducer<String, String> producer = idempotentProducer(bootstrapServers)) {
            var futures = new ArrayList<Future<RecordMetadata>>();
            for (int i = 0; i < count; i++) {
                futures.add(producer.send(new ProducerRecord<>(TOPIC, 0, "k-" + i, "v-" + i)));
            }
            for (int i = 0; i < count; i++) {
                assertThat(futures.get(i).get().offset()).isEqualTo(i);
            }
        }
    }

    /** Every record of the partition, from the log start to the log end. */
    private static List<ConsumerRecord<String, String>> readAll(String bootstrapServers) {
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrapServers)) {
            consumer.assign(List.of(STREAM_0));
            consumer.seekToBeginning(List.of(STREAM_0));
            long end = consumer.endOffsets(List.of(STREAM_0)).get(STREAM_0);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(STREAM_0) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static void assertContiguousStream(List<ConsumerRecord<String, String>> records, int expectedCount) {
        assertThat(records).hasSize(expectedCount);
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).offset()).isEqualTo(i);
            assertThat(records.get(i).value()).isEqualTo("v-" + i);
        }
    }

    /** The broker accepts writes after recovery, at the offset after the recovered log. */
    private static void assertAcceptsWritesAfter(String bootstrapServers, int logEnd) throws Exception {
        try (KafkaProducer<String, String> producer = idempotentProducer(bootstrapServers)) {
            for (int i = 0; i < 5; i++) {
                RecordMetadata written = producer.send(new ProducerRecord<>(TOPIC, 0, "after", "v-" + (logEnd + i)))
                        .get();
                assertThat(written.offset()).isEqualTo(logEnd + i);
            }
        }
        assertContiguousStream(readAll(bootstrapServers), logEnd + 5);
    }

    @Test
    void sigkillMidStreamLosesNoAcknowledgedRecord() throws Exception {
        var acknowledged = new ConcurrentSkipListMap<Long, String>();
        try (BrokerProcess broker = BrokerProcess.start(logDir(), Map.of())) {
            Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, TOPIC_CONFIG);
            var stop = new AtomicBoolean();
            KafkaProducer<String, String> producer = idempotentProducer(broker.bootstrapServers());
            Thread streamer = new Thread(() -> {
                for (int i = 0; i < 1_000_000 && !stop.get(); i++) {
                    String value = "v-" + i;
                    producer.send(new ProducerRecord<>(TOPIC, 0, "k-" + i, value), (metadata, error) -> {
                        if (error == null) {
                            acknowledged.put(metadata.offset(), value);
                        }
                    });
                }
            }, "streamer");
            streamer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 5_000);

            assertThat(broker.kill()).isEqualTo(137);

            stop.set(true);
            streamer.join(30_000);
            producer.close(Duration.ZERO);
        }
        assertThat(Files.exists(logDir().resolve(".tributary-clean-shutdown"))).isFalse();
        try (BrokerProcess restarted = BrokerProcess.start(logDir(), Map.of())) {
            List<ConsumerRecord<String, String>> records = readAll(restarted.bootstrapServers());

            assertThat(records.size()).isGreaterThan(acknowledged.lastKey().intValue());
            assertContiguousStream(records, records.size());
            acknowledged.forEach((offset, value) -> assertThat(records.get(offset.intValue()).value()).isEqualTo(value));
            assertAcceptsWritesAfter(restarted.bootstrapServers(), records.size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage appended", "last batch cut in half"})
    void tornTailOfTheActiveSegmentIsCutBackToTheLastWholeBatch(String damage) throws Exception {
        int written = 3_000;
        try (BrokerProcess broker = BrokerProcess.start(logDir(), Map.of())) {
            Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, TOPIC_CONFIG);
            writeStream(broker.bootstrapServers(), written);
            broker.kill();
        }
        Path active = activeSegment();
        int expected;
        if (damage.equals("garbage appended")) {
            byte[] garbage = new byte[1_000];
            new Random(7).nextBytes(garbage);
            Files.write(active, garbage, StandardOpenOption.APPEND);
            expected = written;
        } else {
            FileChannelRecordBatch last = lastBatch(active);
            try (FileChannel file = FileChannel.open(active, StandardOpenOption.WRITE)) {
                file.truncate(last.position() + last.sizeInBytes() / 2);
            }
            expected = (int) last.baseOffset();
        }

        try (BrokerProcess restarted = BrokerProcess.start(logDir(), Map.of())) {
            assertContiguousStream(readAll(restarted.bootstrapServers()), expected);
            assertThat(restarted.output()).contains("recovery truncated segment");
            assertAcceptsWritesAfter(restarted.bootstrapServers(), expected);
        }
    }

    private Path activeSegment() throws IOException {
        try (Stream<Path> files = Files.list(logDir().resolve(TOPIC + "-0"))) {
            return files.filter(f -> f.toString().endsWith(".log")).max(Comparator.naturalOrder()).orElseThrow();
        }
    }

    private static FileChannelRecordBatch lastBatch(Path segment) throws IOException {
        try (FileRecords records = FileRecords.open(segment.toFile())) {
            FileChannelRecordBatch last = null;
            for (FileChannelRecordBatch batch : records.batches()) {
                last = batch;
            }
            assertThat(last).as("the active segment holds batches").isNotNull();
            return last;
        }
    }

    @Test
    void sigtermShutsDownCleanlyAndTheRestartSeesEveryRecord() throws Exception {
        int written = 2_000;
        try (BrokerProcess broker = BrokerProcess.start(logDir(), Map.of())) {
            Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, TOPIC_CONFIG);
            writeStream(broker.bootstrapServers(), written);

            assertThat(broker.terminate()).isIn(0, 143);
            assertThat(broker.output()).contains("stopped cleanly");
        }
        assertThat(logDir().resolve(".tributary-clean-shutdown")).exists();
        try (BrokerProcess restarted = BrokerProcess.start(logDir(), Map.of())) {
            assertContiguousStream(readAll(restarted.bootstrapServers()), written);
            assertThat(restarted.output()).doesNotContain("recovery truncated");
            assertAcceptsWritesAfter(restarted.bootstrapServers(), written);
        }
    }
}
