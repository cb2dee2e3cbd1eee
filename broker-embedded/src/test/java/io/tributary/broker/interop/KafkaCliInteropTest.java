package io.tributary.broker.interop;

import static io.tributary.broker.interop.KafkaCli.CONFIGS;
import static io.tributary.broker.interop.KafkaCli.CONSOLE_CONSUMER;
import static io.tributary.broker.interop.KafkaCli.CONSOLE_PRODUCER;
import static io.tributary.broker.interop.KafkaCli.GET_OFFSETS;
import static io.tributary.broker.interop.KafkaCli.TOPICS;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka 4.3.1's own command-line tools against the broker, each run as its own JVM exactly as the
 * {@code bin/kafka-*.sh} scripts run them: kafka-topics, kafka-console-producer, kafka-console-consumer (by
 * partition, and in a consumer group that commits and resumes), kafka-configs and kafka-get-offsets. Outputs are
 * asserted as the tools print them. kafka-consumer-groups has its own class, {@link ConsumerGroupCommandInteropTest}.
 */
class KafkaCliInteropTest {
    @TempDir
    Path dataDir;

    @BeforeAll
    static void installKafkaCli() throws Exception {
        InteropTools.install("kafka-cli");
    }

    @Test
    void kafkaTopicsCreatesListsDescribesAltersAndDeletes() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();

            assertThat(tool(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", "cli-topic",
                    "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=3600000"))
                    .containsExactly("Created topic cli-topic.");
            tool(TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", "cli-other", "--partitions", "1");
            assertThat(tool(TOPICS, "--bootstrap-server", bootstrap, "--list"))
                    .containsExactly("cli-other", "cli-topic");

            String topicId;
            try (Admin admin = Clients.admin(bootstrap)) {
                topicId = admin.describeTopics(List.of("cli-topic")).allTopicNames().get().get("cli-topic")
                        .topicId().toString();
            }
            List<String> described = tool(TOPICS, "--bootstrap-server", bootstrap, "--describe", "--topic",
                    "cli-topic");
            assertThat(described).hasSize(4);
            assertThat(described.get(0)).isEqualTo("Topic: cli-topic\tTopicId: " + topicId
                    + "\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=3600000");
            for (int partition = 0; partition < 3; partition++) {
                // What follows Isr (ELR) depends on whether DescribeTopicPartitions is served.
                assertThat(described.get(1 + partition)).startsWith("\tTopic: cli-topic\tPartition: " + partition
                        + "\tLeader: 1\tReplicas: 1\tIsr: 1\t");
            }

            assertThat(tool(TOPICS, "--bootstrap-server", bootstrap, "--alter", "--topic", "cli-topic",
                    "--partitions", "5")).isEmpty();
            assertThat(tool(TOPICS, "--bootstrap-server", bootstrap, "--describe", "--topic", "cli-topic"))
                    .hasSize(6).first().asString().contains("\tPartitionCount: 5\t");

            assertThat(tool(TOPICS, "--bootstrap-server", bootstrap, "--delete", "--topic", "cli-topic")).isEmpty();
            assertThat(tool(TOPICS, "--bootstrap-server", bootstrap, "--list")).containsExactly("cli-other");

            var missing = toolResult(TOPICS, "--bootstrap-server", bootstrap, "--describe", "--topic", "cli-topic");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stdout()).contains("Topic 'cli-topic' does not exist as expected");
        }
    }

    @Test
    void consoleProducerAndConsumerRoundTripKeyedRecordsWithHeaders() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "cli-console", 1, Map.of());
            int count = 6;
            var input = new StringBuilder();
            for (int i = 0; i < count; i++) {
                input.append("source:cli,n:").append(i).append('\t').append("key-").append(i).append('\t')
                        .append("value-").append(i).append('\n');
            }

            // --reader-property is 4.x's name for the deprecated --property of kafka-console-producer.
            ExternalProcess.Result produced = toolWithInput(input.toString(), CONSOLE_PRODUCER, "--bootstrap-server",
                    bootstrap, "--topic", "cli-console", "--reader-property", "parse.key=true", "--reader-property",
                    "parse.headers=true", "--sync");
            assertThat(produced.exitCode()).as(produced.describe()).isZero();

            List<ConsumerRecord<String, String>> records = Clients.readExactly(bootstrap,
                    new TopicPartition("cli-console", 0), 0, count);
            assertThat(records).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertThat(records.get(i).key()).isEqualTo("key-" + i);
                assertThat(records.get(i).value()).isEqualTo("value-" + i);
                assertThat(new String(records.get(i).headers().lastHeader("n").value(), StandardCharsets.UTF_8))
                        .isEqualTo(String.valueOf(i));
            }

            var expected = new ArrayList<String>();
            for (int i = 0; i < count; i++) {
                expected.add("Partition:0\tOffset:" + i + "\tsource:cli,n:" + i + "\tkey-" + i + "\tvalue-" + i);
            }
            assertThat(consume(bootstrap, "cli-console", "earliest", count)).containsExactlyElementsOf(expected);
            assertThat(consume(bootstrap, "cli-console", "4", 2)).containsExactlyElementsOf(expected.subList(4, 6));
        }
    }

    @Test
    void consoleConsumerInAGroupCommitsWhatItReadAndResumesThere() throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            GroupFixture.createAndFill(bootstrap, "cli-group-topic", 4, 2, 3);
            var expected = new ArrayList<String>();
            int[] counts = {4, 2, 3};
            for (int partition = 0; partition < counts.length; partition++) {
                for (int i = 0; i < counts[partition]; i++) {
                    expected.add(groupRecord(partition, i, i));
                }
            }

            // Reading every record leaves each partition's position at its log end; auto-commit commits it when
            // the consumer closes.
            List<String> first = consumeInGroup(bootstrap, "cli-console-group", 9, "--from-beginning");
            assertThat(first).containsExactlyInAnyOrderElementsOf(expected);
            assertInPartitionOrder(first);
            assertThat(GroupFixture.committed(bootstrap, "cli-console-group"))
                    .containsExactly("cli-group-topic-0=4", "cli-group-topic-1=2", "cli-group-topic-2=3");

            GroupFixture.append(bootstrap, "cli-group-topic", 10, 1, 2, 1);
            assertThat(consumeInGroup(bootstrap, "cli-console-group", 4)).containsExactlyInAnyOrder(
                    groupRecord(0, 4, 10), groupRecord(1, 2, 10), groupRecord(1, 3, 11), groupRecord(2, 3, 10));
            assertThat(GroupFixture.committed(bootstrap, "cli-console-group"))
                    .containsExactly("cli-group-topic-0=5", "cli-group-topic-1=4", "cli-group-topic-2=4");
        }
    }

    /** A record of cli-group-topic as the group consumer prints it: record i of its partition at that offset. */
    private static String groupRecord(int partition, long offset, int i) {
        return "Partition:" + partition + "\tOffset:" + offset + "\t" + GroupFixture.key(partition, i) + "\t"
                + GroupFixture.value(partition, i);
    }

    /** Records of one partition arrive in offset order; partitions interleave as the fetches return. */
    private static void assertInPartitionOrder(List<String> lines) {
        var lastOffsets = new HashMap<String, Long>();
        for (String line : lines) {
            String[] fields = line.split("\t");
            long offset = Long.parseLong(fields[1].substring("Offset:".length()));
            Long previous = lastOffsets.put(fields[0], offset);
            assertThat(previous == null ? -1 : previous).as(line).isLessThan(offset);
        }
    }

    private List<String> consumeInGroup(String bootstrap, String group, int maxMessages, String... more)
            throws Exception {
        var args = new ArrayList<>(List.of("--bootstrap-server", bootstrap, "--topic", "cli-group-topic", "--group",
                group, "--max-messages", String.valueOf(maxMessages), "--timeout-ms", "20000",
                "--formatter-property", "print.partition=true", "--formatter-property", "print.offset=true",
                "--formatter-property", "print.key=true"));
        args.addAll(List.of(more));
        return tool(CONSOLE_CONSUMER, args.toArray(String[]::new));
    }

    @Test
    void kafkaConfigsDescribesAndAltersTopicAndBrokerConfigs() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "cli-configs", 1, Map.of());
            String[] topic = {"--bootstrap-server", bootstrap, "--entity-type", "topics", "--entity-name",
                "cli-configs"};

            assertThat(tool(CONFIGS, with(topic, "--describe")))
                    .containsExactly("Dynamic configs for topic cli-configs are:");
            assertThat(tool(CONFIGS, with(topic, "--alter", "--add-config",
                    "retention.ms=86400000,max.message.bytes=2000000")))
                    .containsExactly("Completed updating config for topic cli-configs.");
            assertThat(tool(CONFIGS, with(topic, "--describe"))).containsExactly(
                    "Dynamic configs for topic cli-configs are:",
                    "  max.message.bytes=2000000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes"
                            + "=2000000, DEFAULT_CONFIG:message.max.bytes=1048588}",
                    // log.retention.ms has no default: no DEFAULT_CONFIG synonym (Kafka's ConfigHelper).
                    "  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000}");
            tool(CONFIGS, with(topic, "--alter", "--delete-config", "retention.ms"));
            assertThat(tool(CONFIGS, with(topic, "--describe"))).containsExactly(
                    "Dynamic configs for topic cli-configs are:",
                    "  max.message.bytes=2000000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes"
                            + "=2000000, DEFAULT_CONFIG:message.max.bytes=1048588}");

            String[] broker1 = {"--bootstrap-server", bootstrap, "--entity-type", "brokers", "--entity-name", "1"};
            assertThat(tool(CONFIGS, with(broker1, "--describe"))).containsExactly("Dynamic configs for broker 1 are:");
            assertThat(tool(CONFIGS, with(broker1, "--alter", "--add-config", "log.retention.ms=3600000")))
                    .containsExactly("Completed updating config for broker 1.");
            List<String> brokerConfigs = tool(CONFIGS, with(broker1, "--describe"));
            assertThat(brokerConfigs).hasSize(2);
            assertThat(brokerConfigs.get(0)).isEqualTo("Dynamic configs for broker 1 are:");
            assertThat(brokerConfigs.get(1)).startsWith("  log.retention.ms=3600000 sensitive=false "
                    + "synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000");
            // The topic inherits the broker's dynamic default where it has no override of its own.
            assertThat(tool(CONFIGS, with(topic, "--describe", "--all"))).contains(
                    "  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000,"
                            + " DEFAULT_CONFIG:log.retention.hours=168}");
        }
    }

    @Test
    void getOffsetsReportsLatestEarliestMaxTimestampAndOffsetForTime() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "cli-offsets", 2, Map.of());
            long base = System.currentTimeMillis() - 60_000;
            long[] partition0Timestamps = {base + 1000, base + 3000, base + 2000};
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (long timestamp : partition0Timestamps) {
                    producer.send(new ProducerRecord<>("cli-offsets", 0, timestamp, "k", "v"));
                }
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>("cli-offsets", 1, base + i, "k", "v"));
                }
                producer.flush();
            }

            assertThat(tool(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic", "cli-offsets"))
                    .containsExactly("cli-offsets:0:3", "cli-offsets:1:5");
            assertThat(tool(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic", "cli-offsets", "--time", "-3"))
                    .containsExactly("cli-offsets:0:1", "cli-offsets:1:4");
            assertThat(tool(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic-partitions", "cli-offsets:0",
                    "--time", String.valueOf(base + 1500))).containsExactly("cli-offsets:0:1");

            try (Admin admin = Clients.admin(bootstrap)) {
                admin.deleteRecords(Map.of(new TopicPartition("cli-offsets", 0), RecordsToDelete.beforeOffset(2)))
                        .all().get();
            }
            assertThat(tool(GET_OFFSETS, "--bootstrap-server", bootstrap, "--topic", "cli-offsets", "--time",
                    "earliest")).containsExactly("cli-offsets:0:2", "cli-offsets:1:0");
        }
    }

    private List<String> consume(String bootstrap, String topic, String offset, int maxMessages) throws Exception {
        return tool(CONSOLE_CONSUMER, "--bootstrap-server", bootstrap, "--topic", topic, "--partition", "0",
                "--offset", offset, "--max-messages", String.valueOf(maxMessages), "--timeout-ms", "20000",
                "--formatter-property", "print.partition=true", "--formatter-property", "print.offset=true",
                "--formatter-property", "print.headers=true", "--formatter-property", "print.key=true");
    }

    private static String[] with(String[] base, String... more) {
        var all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static List<String> tool(String mainClass, String... args) throws Exception {
        return KafkaCli.run(mainClass, args);
    }

    private static ExternalProcess.Result toolResult(String mainClass, String... args) throws Exception {
        return KafkaCli.result(mainClass, args);
    }

    private static ExternalProcess.Result toolWithInput(String stdin, String mainClass, String... args)
            throws Exception {
        return KafkaCli.resultWithInput(stdin, mainClass, args);
    }
}
