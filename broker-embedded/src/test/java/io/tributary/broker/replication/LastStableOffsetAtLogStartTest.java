package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, fault 7: DeleteRecords or retention moves the log start past the first offset of an open transaction.
 * The last stable offset then stays at the log start (Kafka's rule {@code logStartOffset <= lastStableOffset}),
 * so ListOffsets(latest, read_committed) never answers below the log start, and a read_committed consumer that
 * starts at the end, even one with {@code auto.offset.reset=none}, reads on instead of being answered
 * OFFSET_OUT_OF_RANGE again and again.
 */
class LastStableOffsetAtLogStartTest {
    private static final String TOPIC = "stable";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private Admin admin;

    private void start(Map<String, String> topicConfig) throws Exception {
        var config = new HashMap<>(TestBroker.FAST_TRANSACTIONS);
        config.put("log.retention.check.interval.ms", "100");
        broker = TestBroker.start(dataDir, config);
        admin = Clients.admin(broker.bootstrapServers());
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, topicConfig);
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private KafkaProducer<String, String> transactional() {
        KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "stable-txn"));
        producer.initTransactions();
        return producer;
    }

    private long offset(OffsetSpec spec, IsolationLevel isolation) throws Exception {
        return admin.listOffsets(Map.of(PARTITION, spec), new ListOffsetsOptions(isolation)).partitionResult(PARTITION)
                .get().offset();
    }

    private static void send(KafkaProducer<String, String> producer, long timestamp, String value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, 0, timestamp, "k", value)).get();
    }

    /** A read_committed consumer that never resets its position: an out-of-range fetch fails its poll. */
    private KafkaConsumer<String, String> consumerFromTheEnd() {
        KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(), Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"));
        consumer.assign(List.of(PARTITION));
        consumer.seekToEnd(List.of(PARTITION));
        return consumer;
    }

    /**
     * Polls until {@code count} records arrived or 20 s passed; for none, polls for a second (fetches answer at
     * once here). A fetch answered OFFSET_OUT_OF_RANGE fails the poll.
     */
    private static List<String> poll(KafkaConsumer<String, String> consumer, int count) {
        var values = new ArrayList<String>();
        long deadline = System.nanoTime() + (count == 0 ? Duration.ofSeconds(1) : Duration.ofSeconds(20)).toNanos();
        do {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                values.add(record.value());
            }
        } while ((count == 0 || values.size() < count) && System.nanoTime() < deadline);
        return values;
    }

    /** Polls until the consumer's position reached {@code offset} (past the COMMIT marker), with nothing more. */
    private static void awaitPosition(KafkaConsumer<String, String> consumer, long offset) {
        await().atMost(Duration.ofSeconds(20)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
            assertThat(consumer.poll(Duration.ofMillis(100))).isEmpty();
            return consumer.position(PARTITION) == offset;
        });
    }

    @Test
    void deleteRecordsPastAnOpenTransactionKeepsTheLastStableOffsetAtTheLogStart() throws Exception {
        start(Map.of());
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, String> plain = Clients.producer(broker.bootstrapServers());
             KafkaProducer<String, String> transactional = transactional()) {
            send(plain, now, "before-0");
            send(plain, now, "before-1");
            transactional.beginTransaction();
            send(transactional, now, "open-2");
            send(plain, now, "after-3");
            send(plain, now, "after-4");
            assertThat(offset(OffsetSpec.latest(), IsolationLevel.READ_COMMITTED)).isEqualTo(2);

            long lowWatermark = admin.deleteRecords(Map.of(PARTITION, RecordsToDelete.beforeOffset(4)))
                    .lowWatermarks().get(PARTITION).get().lowWatermark();

            assertThat(lowWatermark).isEqualTo(4);
            assertThat(offset(OffsetSpec.earliest(), IsolationLevel.READ_COMMITTED)).isEqualTo(4);
            assertThat(offset(OffsetSpec.latest(), IsolationLevel.READ_COMMITTED)).isEqualTo(4);
            assertThat(offset(OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED)).isEqualTo(5);
            try (KafkaConsumer<String, String> consumer = consumerFromTheEnd()) {
                assertThat(consumer.position(PARTITION)).isEqualTo(4);
                assertThat(poll(consumer, 0)).isEmpty();

                transactional.commitTransaction();

                assertThat(poll(consumer, 1)).containsExactly("after-4");
                awaitPosition(consumer, 6);
            }
        }
    }

    @Test
    void retentionPastAnOpenTransactionKeepsTheLastStableOffsetAtTheLogStart() throws Exception {
        // One batch (75 bytes) per segment.
        start(Map.of("segment.bytes", "100"));
        long now = System.currentTimeMillis();
        long old = now - Duration.ofHours(2).toMillis();
        try (KafkaProducer<String, String> plain = Clients.producer(broker.bootstrapServers());
             KafkaProducer<String, String> transactional = transactional()) {
            transactional.beginTransaction();
            send(transactional, old, "open-0");
            send(plain, old, "old-1");
            send(plain, now, "new-2");
            assertThat(offset(OffsetSpec.latest(), IsolationLevel.READ_COMMITTED)).isZero();

            // Only now, with nothing appended after it, does retention delete the first two segments.
            var retentionOneHour = new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET);
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC),
                    List.of(retentionOneHour))).all().get();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> offset(OffsetSpec.earliest(), IsolationLevel.READ_COMMITTED) == 2);

            assertThat(offset(OffsetSpec.latest(), IsolationLevel.READ_COMMITTED)).isEqualTo(2);
            try (KafkaConsumer<String, String> consumer = consumerFromTheEnd()) {
                assertThat(consumer.position(PARTITION)).isEqualTo(2);
                assertThat(poll(consumer, 0)).isEmpty();

                transactional.commitTransaction();

                assertThat(poll(consumer, 1)).containsExactly("new-2");
                awaitPosition(consumer, 4);
            }
        }
    }
}
