package io.tributary.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of a transactional changelog (as Kafka Streams writes under exactly_once_v2): an aborted value must
 * never shadow a committed one, and an open transaction is never compacted. After the cleaner ran, even a
 * read_uncommitted consumer from offset 0 sees only committed values.
 */
class TransactionalCompactionTest {
    private static final String TOPIC = "changelog";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dataDir;

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private Map<String, List<String>> valuesByKey(String isolation) {
        var values = new LinkedHashMap<String, List<String>>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            consumer.assign(List.of(PARTITION));
            consumer.seekToBeginning(List.of(PARTITION));
            long end = consumer.endOffsets(List.of(PARTITION)).get(PARTITION);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record ->
                        values.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value()));
                return consumer.position(PARTITION) >= end;
            });
        }
        return values;
    }

    @Test
    void abortedValuesNeverShadowCommittedOnesAndDisappearWhenCompacted() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("log.cleaner.backoff.ms", "100",
                "transaction.state.log.num.partitions", "1"));
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, Map.of("cleanup.policy", "compact",
                "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0",
                // Every batch rolls a new segment, so only the open transaction's own segment is left uncleaned.
                "segment.ms", "1"));
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "changelog-writer"))) {
            producer.initTransactions();
            for (int round = 0; round < 20; round++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, 0, "committed", "c" + round));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, 0, "committed", "aborted" + round));
                producer.send(new ProducerRecord<>(TOPIC, 0, "aborted-only", "never" + round));
                producer.flush();
                producer.abortTransaction();
            }
            // An open transaction at the end: the cleaner must stay below it. Its batch must roll a segment of its
            // own (segment.ms=1 rolls once a batch is over 1 ms younger than the segment's first), or the last abort
            // marker shares the active segment, which is never cleaned, and "aborted19" stays.
            Thread.sleep(5);
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "open", "pending")).get();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(valuesByKey("read_uncommitted").get("committed")).containsExactly("c19"));
            Map<String, List<String>> uncommitted = valuesByKey("read_uncommitted");
            assertThat(uncommitted).doesNotContainKey("aborted-only");
            assertThat(uncommitted.get("open")).containsExactly("pending");
            assertThat(valuesByKey("read_committed")).containsOnlyKeys("committed");

            producer.commitTransaction();
        }
        assertThat(valuesByKey("read_committed").get("open")).containsExactly("pending");
    }

    /**
     * The control batches (transaction markers) in the partition's segment files; listed again when the cleaner
     * swapped a file away between the listing and the read.
     */
    private int markersOnDisk() {
        return await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(java.nio.file.NoSuchFileException.class)
                .until(this::countMarkers, count -> true);
    }

    private int countMarkers() throws Exception {
        int markers = 0;
        try (var files = java.nio.file.Files.list(dataDir.resolve(TOPIC + "-0"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                try (var records = org.apache.kafka.common.record.FileRecords.open(file.toFile(), false)) {
                    for (var batch : records.batches()) {
                        markers += batch.isControlBatch() ? 1 : 0;
                    }
                }
            }
        }
        return markers;
    }

    private long endOffset(String isolation) {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            return consumer.endOffsets(List.of(PARTITION)).get(PARTITION);
        }
    }

    @Test
    void markersOfTransactionsWithNothingLeftAreRemovedAndARestartLeavesNoTransactionOpen() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("log.cleaner.backoff.ms", "100",
                "transaction.state.log.num.partitions", "1"));
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, Map.of("cleanup.policy", "compact",
                "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0", "segment.ms", "1"));
        int rounds = 0;
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "changelog-writer"))) {
            producer.initTransactions();
            // Keep writing (each round dirties the log, so passes keep coming) until the markers of the
            // transactions whose records were all compacted away have gone too.
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            do {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v" + rounds));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "aborted" + rounds));
                producer.flush();
                producer.abortTransaction();
                rounds++;
            } while (rounds < 40 || (markersOnDisk() > 12 && System.nanoTime() < deadline));
        }
        assertThat(markersOnDisk()).isLessThanOrEqualTo(12).isLessThan(2 * rounds);
        assertThat(valuesByKey("read_committed").get("k")).last().isEqualTo("v" + (rounds - 1));

        broker.restart();
        // The replay of the cleaned log ends every transaction: nothing holds the last stable offset back.
        assertThat(endOffset("read_committed")).isEqualTo(endOffset("read_uncommitted"));
        assertThat(valuesByKey("read_committed").get("k")).last().isEqualTo("v" + (rounds - 1));
    }
}
