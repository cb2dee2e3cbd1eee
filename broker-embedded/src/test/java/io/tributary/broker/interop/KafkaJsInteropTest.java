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
 * cluster, offsets), the producer (plain, gzip, idempotent), and partition reads.
 *
 * <p>Not covered: kafkajs' consumer. It always joins a consumer group (kafkajs has no assign()), and the broker does
 * not serve FindCoordinator/JoinGroup/SyncGroup/Heartbeat/OffsetCommit yet. Reads instead go through kafkajs' own
 * Cluster and Broker classes, which its consumer uses underneath: the same Fetch encoding and record-batch decoding,
 * without group membership. Records kafkajs produces are also read back by the Java consumer.
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
