package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction seen through real clients: a compacted topic with small segments and a cleaner that checks every
 * 100 ms takes keyed updates and tombstones from an idempotent producer; compaction is held back by
 * min.compaction.lag.ms until the writes are done, then released; once the cleaner has shrunk the log, a
 * consumer reading from offset 0 builds exactly the table the producer wrote, from records at the offsets they
 * were first given, before and after a restart.
 */
class LogCompactionTest {
    private static final String TOPIC = "table";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final int KEYS = 20;
    private static final int ROUNDS = 10;

    @TempDir
    static Path dataDir;

    private static TestBroker broker;
    private static Admin admin;

    /** One record as a client sees it. */
    private record Row(long offset, String key, String value) {
    }

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("log.cleaner.backoff.ms", "100"));
        admin = Clients.admin(broker.bootstrapServers());
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, Map.of("cleanup.policy", "compact",
                "segment.bytes", "1024", "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0",
                // Held back while the test writes, so it can measure the log before compaction.
                "min.compaction.lag.ms", "3600000"));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    private static long partitionBytes() throws Exception {
        return admin.describeLogDirs(List.of(broker.broker().nodeId())).allDescriptions().get()
                .get(broker.broker().nodeId()).values().stream()
                .map(dir -> dir.replicaInfos().get(PARTITION)).filter(info -> info != null)
                .mapToLong(info -> info.size()).sum();
    }

    private static List<Row> readFromZero() {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers())) {
            consumer.assign(List.of(PARTITION));
            consumer.seekToBeginning(List.of(PARTITION));
            long end = consumer.endOffsets(List.of(PARTITION)).get(PARTITION);
            var rows = new ArrayList<Row>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record ->
                        rows.add(new Row(record.offset(), record.key(), record.value())));
                return consumer.position(PARTITION) >= end;
            });
            return rows;
        }
    }

    private static Map<String, String> table(List<Row> rows) {
        var table = new LinkedHashMap<String, String>();
        for (Row row : rows) {
            if (row.value() == null) {
                table.remove(row.key());
            } else {
                table.put(row.key(), row.value());
            }
        }
        return table;
    }

    @Test
    void aConsumerFromOffsetZeroSeesTheLatestValueOfEveryLiveKeyAtItsOriginalOffset() throws Exception {
        var produced = new HashMap<Long, Row>();
        var written = new ArrayList<Row>();
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int round = 0; round < ROUNDS; round++) {
                for (int key = 0; key < KEYS; key++) {
                    written.add(send(producer, "key-" + key, "value-" + round + "-" + key, produced));
                }
            }
            for (int key = 0; key < 5; key++) {
                written.add(send(producer, "key-" + key, null, produced));
            }
            written.add(send(producer, "key-0", "back-again", produced));
        }
        long bytesWritten = partitionBytes();
        Map<String, String> expected = table(written);
        assertThat(expected).hasSize(KEYS - 4).containsEntry("key-0", "back-again").doesNotContainKey("key-1");

        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC),
                List.of(new AlterConfigOp(new ConfigEntry("min.compaction.lag.ms", "0"), AlterConfigOp.OpType.SET))))
                .all().get();
        await().atMost(Duration.ofSeconds(30)).until(() -> partitionBytes() < bytesWritten / 3);

        List<Row> rows = readFromZero();
        assertThat(rows).extracting(Row::offset).isSorted().doesNotHaveDuplicates();
        assertThat(rows).allSatisfy(row -> assertThat(row).isEqualTo(produced.get(row.offset())));
        assertThat(table(rows)).isEqualTo(expected);
        assertThat(rows.size()).isLessThan(written.size() / 3);
        assertThat(dataDir.resolve(LogCleaner.CHECKPOINT)).exists();

        broker.restart();
        admin.close();
        admin = Clients.admin(broker.bootstrapServers());
        assertThat(readFromZero()).isEqualTo(rows);
    }

    private static Row send(KafkaProducer<String, String> producer, String key, String value,
                            Map<Long, Row> produced) throws Exception {
        long offset = producer.send(new ProducerRecord<>(TOPIC, 0, key, value)).get().offset();
        var row = new Row(offset, key, value);
        produced.put(offset, row);
        return row;
    }

    @Test
    void aRecordWithoutAKeyIsRejectedWithInvalidRecord() throws Exception {
        long endBefore = logEndOffset();
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPIC, 0, null, "no key")).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InvalidRecordException.class);
        }
        assertThat(logEndOffset()).isEqualTo(endBefore);
    }

    private static long logEndOffset() throws Exception {
        return admin.listOffsets(Map.of(PARTITION, OffsetSpec.latest())).partitionResult(PARTITION).get().offset();
    }
}
