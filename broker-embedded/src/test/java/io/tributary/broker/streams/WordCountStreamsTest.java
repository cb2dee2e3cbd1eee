package io.tributary.broker.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.CommittedReader;
import io.tributary.broker.testing.StreamsApp;
import io.tributary.broker.testing.TestBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word-count application of Kafka Streams' quick start, unmodified, with {@code exactly_once_v2}: a stateful
 * topology with a repartition topic and a compacted changelog topic, all written in transactions. One broker for
 * the class; each test has its own application id and topics.
 */
class WordCountStreamsTest {
    private static final int PARTITIONS = 3;
    private static final Duration OUTPUT_TIMEOUT = Duration.ofSeconds(30);
    /** Three lines, one per input partition, and the counts they make. */
    private static final String[] LINES = {
        "Kafka Streams counts words",
        "Kafka transactions commit exactly once",
        "Streams of words: words of Kafka"};
    private static final Map<String, Long> COUNTS = Map.of(
            "kafka", 3L, "streams", 2L, "counts", 1L, "words", 3L, "transactions", 1L,
            "commit", 1L, "exactly", 1L, "once", 1L, "of", 2L);

    @TempDir
    static Path brokerDir;

    @TempDir
    Path stateDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(brokerDir, TestBroker.FAST_TRANSACTIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static StreamsApp.Builder app(String applicationId, Path stateDir) {
        return StreamsApp.builder(broker.bootstrapServers(), applicationId, stateDir);
    }

    private static void createTopics(String... topics) throws Exception {
        for (String topic : topics) {
            Clients.createTopic(broker.bootstrapServers(), topic, PARTITIONS, Map.of());
        }
    }

    /** Line i goes to partition i % 3 (key "line-i"), so every input partition carries words. */
    private static void writeLines(String topic, int firstIndex, String... lines) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < lines.length; i++) {
                int index = firstIndex + i;
                producer.send(new ProducerRecord<>(topic, index % PARTITIONS, "line-" + index, lines[i])).get();
            }
        }
    }

    /** Every count the application published, per word, in the order it published them (read_committed). */
    private static Map<String, List<Long>> countHistory(String output, Map<String, Long> expectedFinal) {
        List<ConsumerRecord<String, Long>> records = CommittedReader.readUntil(broker.bootstrapServers(), output,
                new LongDeserializer(), read -> latest(read).equals(expectedFinal), OUTPUT_TIMEOUT);
        var history = new LinkedHashMap<String, List<Long>>();
        for (ConsumerRecord<String, Long> record : records) {
            history.computeIfAbsent(record.key(), word -> new ArrayList<>()).add(record.value());
        }
        return history;
    }

    private static Map<String, Long> latest(List<ConsumerRecord<String, Long>> records) {
        var latest = new HashMap<String, Long>();
        records.forEach(record -> latest.put(record.key(), record.value()));
        return latest;
    }

    /**
     * With the record cache off, every count is published: a word counted n times has the history 1, 2, ..., n
     * in its output partition, nothing twice and nothing skipped, which is what exactly-once means here.
     */
    private static Map<String, List<Long>> historiesUpTo(Map<String, Long> finalCounts) {
        var histories = new HashMap<String, List<Long>>();
        finalCounts.forEach((word, count) ->
                histories.put(word, LongStream.rangeClosed(1, count).boxed().toList()));
        return histories;
    }

    private static Map<String, Long> latestCounts(Map<String, List<Long>> history) {
        var latest = new HashMap<String, Long>();
        history.forEach((word, counts) -> latest.put(word, counts.get(counts.size() - 1)));
        return latest;
    }

    @Test
    void wordCountPublishesEveryWordsCountOnceUnderExactlyOnceV2() throws Exception {
        String applicationId = "word-count";
        createTopics("TextLinesTopic", "WordsWithCountsTopic");
        writeLines("TextLinesTopic", 0, LINES);

        try (StreamsApp ignored = app(applicationId, stateDir)
                .start(WordCount.topology("TextLinesTopic", "WordsWithCountsTopic"))) {
            Map<String, List<Long>> history = countHistory("WordsWithCountsTopic", COUNTS);

            assertThat(latestCounts(history)).isEqualTo(COUNTS);
            assertThat(history).isEqualTo(historiesUpTo(COUNTS));
        }

        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            // exactly_once_v2: one transactional producer per stream thread, "<application.id>-<process id>-1",
            // its last transaction committed when the application closed.
            List<TransactionListing> transactions = admin.listTransactions().all().get().stream()
                    .filter(listing -> listing.transactionalId().matches(applicationId + "-[0-9a-f-]{36}-1"))
                    .toList();
            assertThat(transactions).extracting(TransactionListing::state)
                    .containsExactly(TransactionState.COMPLETE_COMMIT);
            // The input offsets went through TxnOffsetCommit and became the group's committed offsets with the
            // commit marker: past the one line in each partition (the metadata is Streams' own, a timestamp).
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get();
            var inputOffsets = new HashMap<Integer, Long>();
            committed.forEach((partition, offset) -> {
                if (partition.topic().equals("TextLinesTopic")) {
                    inputOffsets.put(partition.partition(), offset.offset());
                }
            });
            assertThat(inputOffsets).isEqualTo(Map.of(0, 1L, 1, 1L, 2, 1L));
        }
    }

    @Test
    void wordCountCreatesItsRepartitionAndCompactedChangelogTopicsWithStreamsConfigs() throws Exception {
        String applicationId = "word-count-topics";
        createTopics("topics-lines", "topics-counts");
        writeLines("topics-lines", 0, "internal topics");

        try (StreamsApp ignored = app(applicationId, stateDir)
                .start(WordCount.topology("topics-lines", "topics-counts"))) {
            countHistory("topics-counts", Map.of("internal", 1L, "topics", 1L));
        }

        String repartition = WordCount.repartitionTopic(applicationId);
        String changelog = WordCount.changelogTopic(applicationId);
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(repartition, changelog))
                    .allTopicNames().get();
            // Both follow the input's partition count: the repartition topic as many as the source topic, the
            // changelog one per task of the counting sub-topology.
            assertThat(topics.get(repartition).partitions()).hasSize(PARTITIONS);
            assertThat(topics.get(changelog).partitions()).hasSize(PARTITIONS);

            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, repartition),
                    new ConfigResource(ConfigResource.Type.TOPIC, changelog))).all().get();
            Config repartitionConfig = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, repartition));
            Config changelogConfig = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, changelog));
            // Kafka Streams' RepartitionTopicConfig and UnwindowedUnversionedChangelogTopicConfig.
            assertThat(repartitionConfig.get("cleanup.policy").value()).isEqualTo("delete");
            assertThat(repartitionConfig.get("retention.ms").value()).isEqualTo("-1");
            assertThat(repartitionConfig.get("segment.bytes").value()).isEqualTo("52428800");
            assertThat(repartitionConfig.get("message.timestamp.type").value()).isEqualTo("CreateTime");
            assertThat(changelogConfig.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(changelogConfig.get("message.timestamp.type").value()).isEqualTo("CreateTime");
        }
    }

    @Test
    void consumedRepartitionRecordsArePurgedWithDeleteRecords() throws Exception {
        String applicationId = "word-count-purge";
        createTopics("purge-lines", "purge-counts");
        writeLines("purge-lines", 0, LINES);
        String repartition = WordCount.repartitionTopic(applicationId);

        // Streams deletes the records of a repartition topic below its committed offsets (DeleteRecords) every
        // repartition.purge.interval.ms, 30 s unless set.
        try (StreamsApp ignored = app(applicationId, stateDir)
                .config(StreamsConfig.REPARTITION_PURGE_INTERVAL_MS_CONFIG, 100)
                .start(WordCount.topology("purge-lines", "purge-counts"));
             Admin admin = Clients.admin(broker.bootstrapServers())) {
            countHistory("purge-counts", COUNTS);
            var partitions = List.of(new TopicPartition(repartition, 0), new TopicPartition(repartition, 1),
                    new TopicPartition(repartition, 2));

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                var committed = new HashMap<TopicPartition, Long>();
                admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get()
                        .forEach((partition, offset) -> {
                            if (partition.topic().equals(repartition)) {
                                committed.put(partition, offset.offset());
                            }
                        });
                var logStart = new HashMap<TopicPartition, Long>();
                admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest())))
                        .all().get().forEach((partition, info) -> logStart.put(partition, info.offset()));

                assertThat(committed).containsOnlyKeys(partitions);
                assertThat(logStart).isEqualTo(committed).allSatisfy((partition, offset) ->
                        assertThat(offset).isPositive());
            });
        }
    }

    @Test
    void restartWithoutLocalStateRestoresTheCountsFromTheChangelogAndContinuesThem() throws Exception {
        String applicationId = "word-count-restore";
        createTopics("restore-lines", "restore-counts");
        writeLines("restore-lines", 0, LINES);
        Map<String, Long> before = COUNTS;
        try (StreamsApp ignored = app(applicationId, stateDir)
                .start(WordCount.topology("restore-lines", "restore-counts"))) {
            assertThat(latestCounts(countHistory("restore-counts", before))).isEqualTo(before);
        }

        Path localState = stateDir.resolve(applicationId);
        assertThat(localState).isDirectory();
        deleteRecursively(localState);

        var restored = new CopyOnWriteArrayList<Restore>();
        try (StreamsApp ignored = app(applicationId, stateDir).restoreListener(new RestoreRecorder(restored))
                .start(WordCount.topology("restore-lines", "restore-counts"))) {
            writeLines("restore-lines", 3,
                    "Kafka restores its state",
                    "state from the changelog, kafka");
            var after = new HashMap<>(before);
            after.putAll(Map.of("kafka", 5L, "restores", 1L, "its", 1L, "state", 2L, "from", 1L, "the", 1L,
                    "changelog", 1L));
            Map<String, List<Long>> history = countHistory("restore-counts", after);

            assertThat(latestCounts(history)).isEqualTo(after);
            // One history across both runs: the second run counted on from the restored values.
            assertThat(history).isEqualTo(historiesUpTo(after));
        }
        // Only the counts store is restored, from its changelog: one record per count the first run published
        // (15 words; the cache is off, and the cleaner leaves the active segment alone).
        assertThat(restored).extracting(Restore::store).containsOnly(WordCount.STORE);
        assertThat(restored).extracting(Restore::partition).extracting(TopicPartition::topic)
                .containsOnly(WordCount.changelogTopic(applicationId));
        assertThat(restored.stream().mapToLong(Restore::records).sum()).isEqualTo(15);
    }

    @Test
    void secondInstanceTakesOverHalfTheTasksAndCountsStayExactAcrossBothRebalances() throws Exception {
        String applicationId = "word-count-scale";
        createTopics("scale-lines", "scale-counts");
        writeLines("scale-lines", 0, LINES);
        Map<String, Long> first = COUNTS;
        var second = new HashMap<>(first);
        second.putAll(Map.of("kafka", 4L, "words", 4L, "two", 1L, "instances", 1L, "share", 1L));
        var third = new HashMap<>(second);
        third.putAll(Map.of("kafka", 5L, "words", 5L, "one", 1L, "instance", 1L, "left", 1L));

        try (StreamsApp a = app(applicationId, stateDir.resolve("a"))
                .start(WordCount.topology("scale-lines", "scale-counts"))) {
            assertThat(latestCounts(countHistory("scale-counts", first))).isEqualTo(first);

            try (StreamsApp b = app(applicationId, stateDir.resolve("b"))
                    .start(WordCount.topology("scale-lines", "scale-counts"))) {
                // Six tasks: splitting lines (sub-topology 0) and counting (1), one per partition; each instance
                // runs three. b lags each store by a few changelog records, within acceptable.recovery.lag, so
                // counting tasks move to it at once and it restores their state from the changelog.
                await().atMost(Duration.ofSeconds(30)).until(() -> activeTasks(a).size() == 3
                        && activeTasks(b).size() == 3 && a.streams().state() == KafkaStreams.State.RUNNING);
                var all = new ArrayList<>(activeTasks(a));
                all.addAll(activeTasks(b));
                assertThat(all).containsExactlyInAnyOrder("0_0", "0_1", "0_2", "1_0", "1_1", "1_2");
                assertThat(activeTasks(b)).anyMatch(task -> task.startsWith("1_"));

                writeLines("scale-lines", 3, "Two instances share Kafka words");
                assertThat(latestCounts(countHistory("scale-counts", second))).isEqualTo(second);
            }

            // b left: a takes every task back and continues from what b committed.
            await().atMost(Duration.ofSeconds(30)).until(() -> activeTasks(a).size() == 6);
            writeLines("scale-lines", 4, "One instance left: Kafka words");
            Map<String, List<Long>> history = countHistory("scale-counts", third);

            assertThat(latestCounts(history)).isEqualTo(third);
            assertThat(history).isEqualTo(historiesUpTo(third));
        }
    }

    private static List<String> activeTasks(StreamsApp app) {
        return app.streams().metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .map(task -> task.taskId().toString())
                .toList();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
        assertThat(dir).doesNotExist();
    }

    private record Restore(String store, TopicPartition partition, long records) {
    }

    /** Records each finished restoration of a store partition. */
    private record RestoreRecorder(List<Restore> restored) implements StateRestoreListener {
        @Override
        public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset,
                                   long endingOffset) {
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset,
                                    long numRestored) {
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
            restored.add(new Restore(storeName, partition, totalRestored));
        }
    }
}
