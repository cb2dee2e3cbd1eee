package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.BrokerProcess;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.GroupMember;
import io.tributary.broker.testing.PartitionLedger;
import io.tributary.broker.testing.RecordFlow;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Where a group's consumer starts: at the group's committed offset, kept in {@code __consumer_offsets} across a
 * clean broker restart and across SIGKILL of the broker; or, with nothing committed, where
 * {@code auto.offset.reset} says. With {@code enable.auto.commit} the consumer commits on its own. Record
 * {@code i} is key {@code k-i}, value {@code v-i}; the topic has 3 partitions.
 */
class CommittedOffsetsTest {
    private static final String TOPIC = "orders";
    private static final int PARTITIONS = 3;
    private static final List<TopicPartition> ALL = IntStream.range(0, PARTITIONS)
            .mapToObj(p -> new TopicPartition(TOPIC, p)).toList();

    @TempDir
    Path tempDir;

    private static void write(String bootstrap, int from, int to) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(TOPIC, "k-" + i, "v-" + i));
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String groupId,
                                                          Map<String, Object> overrides) {
        return Clients.groupConsumer(bootstrap, groupId, overrides);
    }

    /** Polls until {@code expected} records arrived (bounded), then checks one more poll brings nothing. */
    private static List<ConsumerRecord<String, String>> pollExactly(KafkaConsumer<String, String> consumer,
                                                                   int expected) {
        var records = new ArrayList<ConsumerRecord<String, String>>();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            return records.size() >= expected;
        });
        consumer.poll(Duration.ofMillis(300)).forEach(records::add);
        assertThat(records).hasSize(expected);
        return records;
    }

    private static Set<String> keys(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
    }

    private static Set<String> keys(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "k-" + i).collect(Collectors.toSet());
    }

    private static Map<TopicPartition, Long> endOffsets(String bootstrap) {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap)) {
            return consumer.endOffsets(ALL);
        }
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String groupId) throws Exception {
        var offsets = new HashMap<TopicPartition, Long>();
        admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get()
                .forEach((partition, offset) -> offsets.put(partition, offset.offset()));
        return offsets;
    }

    /** Reads the first 90 records in group {@code groupId} and commits what it read. */
    private static Map<TopicPartition, Long> consumeAndCommit(String bootstrap, String groupId) {
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, groupId, Map.of())) {
            consumer.subscribe(List.of(TOPIC));
            assertThat(keys(pollExactly(consumer, 90))).isEqualTo(keys(0, 90));
            consumer.commitSync();
            var committed = new HashMap<TopicPartition, Long>();
            consumer.committed(Set.copyOf(ALL)).forEach((partition, offset) -> committed.put(partition,
                    offset.offset()));
            return committed;
        }
    }

    /**
     * A new consumer of the group reads exactly records 90..119, each partition from its committed offset.
     */
    private static void assertResumesAt(String bootstrap, String groupId, Map<TopicPartition, Long> committed) {
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, groupId, Map.of())) {
            consumer.subscribe(List.of(TOPIC));
            List<ConsumerRecord<String, String>> records = pollExactly(consumer, 30);
            assertThat(keys(records)).isEqualTo(keys(90, 120));
            for (TopicPartition partition : ALL) {
                records.stream().filter(r -> r.partition() == partition.partition()).findFirst()
                        .ifPresent(first -> assertThat(first.offset()).isEqualTo(committed.get(partition)));
            }
        }
    }

    enum Restart { NONE, CLEAN, CLEAN_ON_SAME_PORT }

    @ParameterizedTest
    @EnumSource(Restart.class)
    void consumerRestartedInTheSameGroupResumesFromTheCommittedOffset(Restart restart) throws Exception {
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), TestBroker.FAST_GROUPS)) {
            Clients.createTopic(broker.bootstrapServers(), TOPIC, PARTITIONS, Map.of());
            write(broker.bootstrapServers(), 0, 90);
            Map<TopicPartition, Long> committed = consumeAndCommit(broker.bootstrapServers(), "resume");
            assertThat(committed).isEqualTo(endOffsets(broker.bootstrapServers()));

            switch (restart) {
                case NONE -> { }
                case CLEAN -> broker.restart();
                case CLEAN_ON_SAME_PORT -> broker.restartOnSamePort();
            }
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                assertThat(committed(admin, "resume")).isEqualTo(committed);
            }
            write(broker.bootstrapServers(), 90, 120);
            assertResumesAt(broker.bootstrapServers(), "resume", committed);
        }
    }

    /**
     * Deleting a topic deletes every group's committed offsets of it, as Kafka's group coordinator does when the
     * topic goes: the group lists none for it, also after a broker restart, and once a topic of the same name is
     * created again the group's consumer starts where auto.offset.reset says (earliest), not at the old topic's
     * offsets, which are the same records' end offsets in the new topic and would skip them all.
     */
    @Test
    void deletedTopicTakesItsCommittedOffsetsAlongAndARecreatedOneStartsPerAutoOffsetReset() throws Exception {
        var kept = new TopicPartition("kept", 0);
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), TestBroker.FAST_GROUPS)) {
            Clients.createTopic(broker.bootstrapServers(), TOPIC, PARTITIONS, Map.of());
            Clients.createTopic(broker.bootstrapServers(), kept.topic(), 1, Map.of());
            write(broker.bootstrapServers(), 0, 90);
            Map<TopicPartition, Long> committed = consumeAndCommit(broker.bootstrapServers(), "recreated");
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                admin.alterConsumerGroupOffsets("recreated", Map.of(kept, new OffsetAndMetadata(0))).all().get();
                assertThat(committed(admin, "recreated")).hasSize(PARTITIONS + 1);

                admin.deleteTopics(List.of(TOPIC)).all().get();
                assertThat(committed(admin, "recreated")).isEqualTo(Map.of(kept, 0L));
            }

            broker.restart();
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                assertThat(committed(admin, "recreated")).isEqualTo(Map.of(kept, 0L));
            }
            Clients.createTopic(broker.bootstrapServers(), TOPIC, PARTITIONS, Map.of());
            write(broker.bootstrapServers(), 0, 90);
            assertThat(endOffsets(broker.bootstrapServers())).isEqualTo(committed);
            try (KafkaConsumer<String, String> consumer = consumer(broker.bootstrapServers(), "recreated",
                    Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
                consumer.subscribe(List.of(TOPIC));
                assertThat(keys(pollExactly(consumer, 90))).isEqualTo(keys(0, 90));
            }
        }
    }

    @Test
    void runningGroupKeepsConsumingAcrossABrokerRestartOnTheSamePort() throws Exception {
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), TestBroker.FAST_GROUPS)) {
            String bootstrap = broker.bootstrapServers();
            String topic = "restarted";
            Clients.createTopic(bootstrap, topic, 6, Map.of());
            var ledger = new PartitionLedger();
            var members = new ArrayList<GroupMember>();
            try (RecordFlow flow = RecordFlow.start(bootstrap, topic)) {
                members.add(GroupMember.start("r0", bootstrap, "restarted", topic, Map.of(), ledger));
                members.add(GroupMember.start("r1", bootstrap, "restarted", topic, Map.of(), ledger));
                GroupMember.awaitBalanced(members, 6, List.of(3, 3));
                int before = ledger.processedCount();
                await().atMost(Duration.ofSeconds(20)).until(() -> ledger.processedCount() >= before + 300);

                broker.restartOnSamePort();

                int restarted = ledger.processedCount();
                await().atMost(Duration.ofSeconds(30)).until(() -> ledger.processedCount() >= restarted + 500);
                GroupMember.awaitBalanced(members, 6, List.of(3, 3));
                Map<TopicPartition, NavigableMap<Long, String>> written = flow.stop();
                int writtenCount = written.values().stream().mapToInt(Map::size).sum();
                await().atMost(Duration.ofSeconds(30)).until(() -> ledger.processedCount() >= writtenCount);

                // Whatever the restart did to the group, every record is processed and each partition's next owner
                // started at its committed offset.
                assertThat(ledger.violations()).isEmpty();
                assertThat(ledger.differencesFrom(written)).isEmpty();
                for (GroupMember member : members) {
                    assertThat(member.failure()).isNull();
                }
            } finally {
                GroupMember.closeAll(members);
            }
        }
    }

    @Test
    void committedOffsetsSurviveSigkillOfTheBroker() throws Exception {
        Path logDir = tempDir.resolve("data");
        Map<TopicPartition, Long> committed;
        try (BrokerProcess broker = BrokerProcess.start(logDir, TestBroker.FAST_GROUPS)) {
            Clients.createTopic(broker.bootstrapServers(), TOPIC, PARTITIONS, Map.of());
            write(broker.bootstrapServers(), 0, 90);
            committed = consumeAndCommit(broker.bootstrapServers(), "resume");
            assertThat(committed).isEqualTo(endOffsets(broker.bootstrapServers()));

            assertThat(broker.kill()).isEqualTo(137);
        }
        try (BrokerProcess broker = BrokerProcess.start(logDir, TestBroker.FAST_GROUPS);
             Admin admin = Clients.admin(broker.bootstrapServers())) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> committed(admin, "resume").equals(committed));
            write(broker.bootstrapServers(), 90, 120);
            assertResumesAt(broker.bootstrapServers(), "resume", committed);
        }
    }

    @Test
    void autoOffsetResetDecidesWhereAGroupWithoutCommittedOffsetsStarts() throws Exception {
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), TestBroker.FAST_GROUPS);
             Admin admin = Clients.admin(broker.bootstrapServers())) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, TOPIC, PARTITIONS, Map.of());
            write(bootstrap, 0, 90);

            try (KafkaConsumer<String, String> earliest = consumer(bootstrap, "from-earliest",
                    Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
                earliest.subscribe(List.of(TOPIC));
                assertThat(keys(pollExactly(earliest, 90))).isEqualTo(keys(0, 90));
            }

            try (KafkaConsumer<String, String> latest = consumer(bootstrap, "from-latest",
                    Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"))) {
                latest.subscribe(List.of(TOPIC));
                await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                    latest.poll(Duration.ofMillis(100));
                    return latest.assignment().size() == PARTITIONS;
                });
                Map<TopicPartition, Long> positions = new HashMap<>();
                ALL.forEach(partition -> positions.put(partition, latest.position(partition)));
                assertThat(positions).isEqualTo(endOffsets(bootstrap));
                write(bootstrap, 90, 120);
                assertThat(keys(pollExactly(latest, 30))).isEqualTo(keys(90, 120));
            }

            NoOffsetForPartitionException noOffset;
            try (KafkaConsumer<String, String> none = consumer(bootstrap, "from-none",
                    Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
                none.subscribe(List.of(TOPIC));
                var thrown = new ArrayList<NoOffsetForPartitionException>();
                await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                    try {
                        assertThat(none.poll(Duration.ofMillis(100))).isEmpty();
                        return false;
                    } catch (NoOffsetForPartitionException e) {
                        thrown.add(e);
                        return true;
                    }
                });
                noOffset = thrown.get(0);
            }
            assertThat(noOffset.partitions()).containsExactlyInAnyOrderElementsOf(ALL);

            // Once the group has offsets, the same consumer settings start there.
            var start = Map.of(ALL.get(0), new OffsetAndMetadata(5), ALL.get(1), new OffsetAndMetadata(0),
                    ALL.get(2), new OffsetAndMetadata(endOffsets(bootstrap).get(ALL.get(2))));
            admin.alterConsumerGroupOffsets("from-none", start).all().get();
            Map<TopicPartition, Long> ends = endOffsets(bootstrap);
            int expected = (int) (ends.get(ALL.get(0)) - 5 + ends.get(ALL.get(1)));
            try (KafkaConsumer<String, String> none = consumer(bootstrap, "from-none",
                    Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"))) {
                none.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> records = pollExactly(none, expected);
                assertThat(records).allMatch(r -> r.partition() != 2);
                assertThat(records.stream().filter(r -> r.partition() == 0).mapToLong(ConsumerRecord::offset).min())
                        .hasValue(5);
                assertThat(records.stream().filter(r -> r.partition() == 1).mapToLong(ConsumerRecord::offset).min())
                        .hasValue(0);
            }
        }
    }

    @Test
    void autoCommitCommitsWhatWasConsumedAndTheGroupResumesThere() throws Exception {
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), TestBroker.FAST_GROUPS);
             Admin admin = Clients.admin(broker.bootstrapServers())) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, TOPIC, PARTITIONS, Map.of());
            write(bootstrap, 0, 90);
            Map<String, Object> autoCommit = Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true,
                    ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 200);
            Map<TopicPartition, Long> ends = endOffsets(bootstrap);

            try (KafkaConsumer<String, String> consumer = consumer(bootstrap, "auto", autoCommit)) {
                consumer.subscribe(List.of(TOPIC));
                assertThat(keys(pollExactly(consumer, 90))).isEqualTo(keys(0, 90));
                // Still open (close would commit too): the commit comes from a later poll, once the interval passed.
                await().atMost(Duration.ofSeconds(10)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                    assertThat(consumer.poll(Duration.ofMillis(100))).isEmpty();
                    return committed(admin, "auto").equals(ends);
                });
            }

            write(bootstrap, 90, 120);
            try (KafkaConsumer<String, String> consumer = consumer(bootstrap, "auto", autoCommit)) {
                consumer.subscribe(List.of(TOPIC));
                assertThat(keys(pollExactly(consumer, 30))).isEqualTo(keys(90, 120));
            }
        }
    }
}
