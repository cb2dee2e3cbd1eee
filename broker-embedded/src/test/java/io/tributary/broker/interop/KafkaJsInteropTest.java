package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kafkajs 2.2.4 (pure JavaScript, its own protocol codec) against the broker, through
 * {@code interop/kafkajs/interop.js}: the admin client (create/describe/alter/delete topics, partitions, configs,
 * cluster, offsets, and groups: list, describe, fetch offsets), the producer (plain, gzip, idempotent), partition
 * reads, and kafkajs' consumer in a consumer group (join, sync, heartbeat, auto-commit, leave, resume from the
 * committed offsets).
 *
 * <p>Partition reads go through kafkajs' own Cluster and Broker classes, which its consumer uses underneath, since
 * kafkajs' consumer always joins a group (it has no assign()). Records kafkajs produces are also read back by the
 * Java consumer.
 */
class KafkaJsInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;

    @BeforeAll
    static void installKafkaJs() throws Exception {
        InteropTools.install("kafkajs");
    }

    @Test
    void adminCreatesDescribesAltersAndDeletesTopics() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();

            assertThat(kafkajs(bootstrap, "create-topic", "js-admin", "3", "retention.ms=3600000"))
                    .containsExactly("created true");
            assertThat(kafkajs(bootstrap, "metadata", "js-admin")).containsExactly(
                    "topic js-admin partitions 3",
                    "partition 0 leader 1 replicas 1 isr 1 error 0",
                    "partition 1 leader 1 replicas 1 isr 1 error 0",
                    "partition 2 leader 1 replicas 1 isr 1 error 0");
            assertThat(kafkajs(bootstrap, "create-topic", "js-admin", "3")).containsExactly("created false");
            assertThat(kafkajs(bootstrap, "list-topics")).containsExactly("topic js-admin");

            String clusterId;
            try (Admin admin = Clients.admin(bootstrap)) {
                clusterId = admin.describeCluster().clusterId().get();
            }
            assertThat(kafkajs(bootstrap, "describe-cluster"))
                    .containsExactly("cluster " + clusterId + " controller 1", "broker 1 " + bootstrap);

            assertThat(kafkajs(bootstrap, "describe-config", "js-admin", "retention.ms"))
                    .containsExactly("config retention.ms 3600000 default false");
            // kafkajs alters through the legacy AlterConfigs API, which replaces the topic's whole config set:
            // retention.ms falls back to its default.
            assertThat(kafkajs(bootstrap, "alter-config", "js-admin", "segment.bytes", "2000000"))
                    .containsExactly("config altered");
            assertThat(kafkajs(bootstrap, "describe-config", "js-admin", "segment.bytes"))
                    .containsExactly("config segment.bytes 2000000 default false");
            assertThat(kafkajs(bootstrap, "describe-config", "js-admin", "retention.ms"))
                    .containsExactly("config retention.ms 604800000 default true");

            assertThat(kafkajs(bootstrap, "create-partitions", "js-admin", "5"))
                    .containsExactly("partitions created");
            assertThat(kafkajs(bootstrap, "metadata", "js-admin")).first()
                    .isEqualTo("topic js-admin partitions 5");

            assertThat(kafkajs(bootstrap, "delete-topic", "js-admin")).containsExactly("deleted");
            assertThat(kafkajs(bootstrap, "list-topics")).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "gzip", "idempotent"})
    void recordsProducedByKafkaJsAreReadByTheJavaConsumer(String mode) throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            String topic = "js-produce-" + mode;
            Clients.createTopic(bootstrap, topic, 3, Map.of());
            int count = 30;

            var produceArgs = new ArrayList<>(List.of("produce", topic, String.valueOf(count), "3"));
            if (!mode.equals("plain")) {
                produceArgs.add(mode);
            }
            assertThat(kafkajs(bootstrap, produceArgs.toArray(String[]::new))).containsExactly(
                    "sent 0 base 0 error 0", "sent 1 base 0 error 0", "sent 2 base 0 error 0");
            assertThat(kafkajs(bootstrap, "offsets", topic)).containsExactly(
                    "offsets 0 low 0 high 10", "offsets 1 low 0 high 10", "offsets 2 low 0 high 10");

            // interop.js sends record i to partition i % 3, so partition p holds p, p + 3, p + 6, ...
            for (int partition = 0; partition < 3; partition++) {
                List<ConsumerRecord<String, String>> records = Clients.readExactly(bootstrap,
                        new TopicPartition(topic, partition), 0, count / 3);
                assertThat(records).hasSize(count / 3);
                for (int n = 0; n < records.size(); n++) {
                    int i = partition + 3 * n;
                    ConsumerRecord<String, String> record = records.get(n);
                    assertThat(record.offset()).isEqualTo(n);
                    assertThat(record.key()).isEqualTo("key-" + i);
                    assertThat(record.value()).isEqualTo("value-" + i);
                    assertThat(record.headers().toArray()).hasSize(1);
                    assertThat(new String(record.headers().lastHeader("h").value(), StandardCharsets.UTF_8))
                            .isEqualTo("header-" + i);
                }
            }
        }
    }

    @Test
    void kafkaJsFetchesRecordsProducedByTheJavaClient() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "java-to-js", 2, Map.of());
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 12; i++) {
                    var record = new ProducerRecord<>("java-to-js", 1, "jk" + i, "jv" + i);
                    record.headers().add(new RecordHeader("n", String.valueOf(i).getBytes(StandardCharsets.UTF_8)));
                    producer.send(record);
                }
                producer.flush();
            }

            var expected = new ArrayList<String>();
            for (int i = 0; i < 12; i++) {
                expected.add("record 1 " + i + " jk" + i + " jv" + i + " n=" + i);
            }
            assertThat(records(kafkajs(bootstrap, "fetch", "java-to-js", "1", "0", "12")))
                    .containsExactlyElementsOf(expected);
            assertThat(records(kafkajs(bootstrap, "fetch", "java-to-js", "1", "7", "5")))
                    .containsExactlyElementsOf(expected.subList(7, 12));
        }
    }

    @Test
    void kafkaJsReadsBackWhatKafkaJsProduced() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "js-to-js", 2, Map.of());

            kafkajs(bootstrap, "produce", "js-to-js", "10", "2", "gzip");

            var expected = new ArrayList<String>();
            for (int i = 1; i < 10; i += 2) {
                expected.add("record 1 " + i / 2 + " key-" + i + " value-" + i + " h=header-" + i);
            }
            assertThat(records(kafkajs(bootstrap, "fetch", "js-to-js", "1", "0", "5")))
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    void consumerGroupReadsEveryRecordThenResumesFromItsCommittedOffsets() throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            GroupFixture.createAndFill(bootstrap, "js-group-topic", 5, 3, 4);

            List<String> first = kafkajs(bootstrap, "consume-group", "js-group-topic", "js-group", "12", "describe");
            // Described while kafkajs is still the group's only member, before it leaves.
            assertThat(first.get(0)).isEqualTo(
                    "group js-group state Stable protocolType consumer protocol RoundRobinAssigner members 1");
            assertThat(first.get(1))
                    .matches("member tributary-interop-[0-9a-f-]{36} tributary-interop /127\\.0\\.0\\.1 "
                            + "js-group-topic:0,1,2");
            assertThat(first.subList(2, first.size())).containsExactlyElementsOf(
                    groupRecords(new int[] {0, 0, 0}, new int[] {5, 3, 4}, "consumed 12"));
            assertThat(kafkajs(bootstrap, "fetch-offsets", "js-group", "js-group-topic")).containsExactly(
                    "committed js-group-topic 0 5", "committed js-group-topic 1 3", "committed js-group-topic 2 4");
            assertThat(GroupFixture.committed(bootstrap, "js-group"))
                    .containsExactly("js-group-topic-0=5", "js-group-topic-1=3", "js-group-topic-2=4");

            // A second run of the same group starts at the committed offsets: only the records appended since.
            GroupFixture.append(bootstrap, "js-group-topic", 20, 1, 2, 0);
            assertThat(kafkajs(bootstrap, "consume-group", "js-group-topic", "js-group", "3")).containsExactly(
                    "record 0 5 key-0-20 value-0-20",
                    "record 1 3 key-1-20 value-1-20",
                    "record 1 4 key-1-21 value-1-21",
                    "consumed 3");
            assertThat(GroupFixture.committed(bootstrap, "js-group"))
                    .containsExactly("js-group-topic-0=6", "js-group-topic-1=5", "js-group-topic-2=4");

            assertThat(kafkajs(bootstrap, "describe-group", "js-group"))
                    .containsExactly("group js-group state Empty protocolType consumer protocol  members 0");
            assertThat(kafkajs(bootstrap, "list-groups")).containsExactly("group js-group consumer");
        }
    }

    @Test
    void adminDescribesAJavaConsumersGroupAndFetchesItsOffsets() throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            GroupFixture.createAndFill(bootstrap, "js-java-group-topic", 3, 3);
            try (KafkaConsumer<String, String> consumer = GroupFixture.joinedConsumer(bootstrap, "java-group",
                    "java-client", "js-java-group-topic", 2)) {
                consumer.commitSync(GroupFixture.offsets("js-java-group-topic", 1, 3));

                // kafkajs decodes the assignment the Java consumer's leader (RangeAssignor) sent in SyncGroup.
                assertThat(kafkajs(bootstrap, "describe-group", "java-group")).containsExactly(
                        "group java-group state Stable protocolType consumer protocol range members 1",
                        "member " + consumer.groupMetadata().memberId() + " java-client /127.0.0.1 "
                                + "js-java-group-topic:0,1");
                assertThat(kafkajs(bootstrap, "fetch-offsets", "java-group", "js-java-group-topic")).containsExactly(
                        "committed js-java-group-topic 0 1", "committed js-java-group-topic 1 3");
                assertThat(kafkajs(bootstrap, "list-groups")).containsExactly("group java-group consumer");
            }
            assertThat(kafkajs(bootstrap, "describe-group", "java-group"))
                    .containsExactly("group java-group state Empty protocolType consumer protocol  members 0");
            // A group the broker never saw: kafkajs asks for every partition and gets -1, "no committed offset".
            assertThat(kafkajs(bootstrap, "fetch-offsets", "no-such-group", "js-java-group-topic")).containsExactly(
                    "committed js-java-group-topic 0 -1", "committed js-java-group-topic 1 -1");
        }
    }

    /** consume-group's lines for GroupFixture's records from[p] up to to[p] of each partition p, then {@code last}. */
    private static List<String> groupRecords(int[] from, int[] to, String last) {
        var lines = new ArrayList<String>();
        for (int partition = 0; partition < from.length; partition++) {
            for (int i = from[partition]; i < to[partition]; i++) {
                lines.add("record " + partition + " " + i + " " + GroupFixture.key(partition, i) + " "
                        + GroupFixture.value(partition, i));
            }
        }
        lines.add(last);
        return lines;
    }

    private static List<String> records(List<String> fetchOutput) {
        return fetchOutput.stream().filter(line -> line.startsWith("record ")).toList();
    }

    private static List<String> kafkajs(String bootstrap, String... args) throws Exception {
        var command = new ArrayList<>(List.of("node", InteropTools.kafkaJsScript().toString(), bootstrap));
        command.addAll(List.of(args));
        return ExternalProcess.runSuccessfully(command,
                Map.of("NODE_PATH", InteropTools.nodeModules().toString(), "KAFKAJS_NO_PARTITIONER_WARNING", "1"),
                null, TIMEOUT).stdoutLines();
    }
}
