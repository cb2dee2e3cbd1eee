package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kcat (librdkafka 2.x, Debian's package) against the broker: metadata, keyed produce with headers in every
 * compression codec, consume from the beginning to the end of a partition, offsets by time, the records crossing
 * between kcat and the Java client in both directions, and kcat's balanced consumer ({@code -G}) in a consumer
 * group, alone and as one of two members. librdkafka negotiates older API versions than kafka-clients
 * (ListOffsets v2, Metadata v4, Produce v7...), which is what this test is for.
 */
class KcatInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** partition|offset|key|value, one record a line. */
    private static final String GROUP_FORMAT = "%p|%o|%k|%s\\n";

    @TempDir
    Path dataDir;

    @BeforeAll
    static void installKcat() throws Exception {
        InteropTools.install("kcat");
    }

    @Test
    void metadataListsTheBrokerAndEveryPartition() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "kcat-metadata", 3, Map.of());

            var output = kcat(bootstrap, null, "-L").stdoutLines();

            assertThat(output).containsSubsequence(
                    " 1 brokers:",
                    "  broker 1 at " + bootstrap + " (controller)",
                    " 1 topics:",
                    "  topic \"kcat-metadata\" with 3 partitions:",
                    "    partition 0, leader 1, replicas: 1, isrs: 1",
                    "    partition 1, leader 1, replicas: 1, isrs: 1",
                    "    partition 2, leader 1, replicas: 1, isrs: 1");
        }
    }

    @Test
    void keyedRecordsWithHeadersRoundTripThroughKcat() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "kcat-keyed", 2, Map.of());
            int count = 25;
            String lines = IntStream.range(0, count).mapToObj(i -> "key-" + i + ":value-" + i + "\n")
                    .collect(Collectors.joining());

            kcat(bootstrap, lines, "-P", "-t", "kcat-keyed", "-p", "1", "-K:", "-H", "trace=abc", "-H",
                    "origin=kcat");
            var consumed = kcat(bootstrap, null, "-C", "-t", "kcat-keyed", "-p", "1", "-e", "-o", "beginning",
                    "-f", "%p|%o|%k|%s|%h\\n").stdoutLines();

            var expected = IntStream.range(0, count)
                    .mapToObj(i -> "1|" + i + "|key-" + i + "|value-" + i + "|trace=abc,origin=kcat").toList();
            assertThat(consumed).containsExactlyElementsOf(expected);
            assertThat(kcat(bootstrap, null, "-C", "-t", "kcat-keyed", "-p", "0", "-e", "-o", "beginning",
                    "-f", "%k\\n").stdoutLines()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void recordsProducedByKcatAreReadByTheJavaConsumer(String codec) throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            String topic = "kcat-to-java-" + codec;
            Clients.createTopic(bootstrap, topic, 1, Map.of());
            int count = 10;
            String lines = IntStream.range(0, count).mapToObj(i -> "k" + i + ":v" + i + "\n")
                    .collect(Collectors.joining());

            kcat(bootstrap, lines, "-P", "-t", topic, "-p", "0", "-K:", "-H", "h=from-kcat", "-z", codec,
                    "-X", "enable.idempotence=true", "-X", "linger.ms=50");
            List<ConsumerRecord<String, String>> records = Clients.readExactly(bootstrap,
                    new TopicPartition(topic, 0), 0, count);

            assertThat(records).hasSize(count);
            for (int i = 0; i < count; i++) {
                ConsumerRecord<String, String> record = records.get(i);
                assertThat(record.offset()).isEqualTo(i);
                assertThat(record.key()).isEqualTo("k" + i);
                assertThat(record.value()).isEqualTo("v" + i);
                Header[] headers = record.headers().toArray();
                assertThat(headers).hasSize(1);
                assertThat(headers[0].key()).isEqualTo("h");
                assertThat(new String(headers[0].value(), StandardCharsets.UTF_8)).isEqualTo("from-kcat");
            }
            // librdkafka up to 2.11 compresses only when the broker advertises Produce from v0 (KAFKA-18659): the
            // batches in the log are in the codec kcat was asked for, not silently uncompressed.
            assertThat(storedCodecs(bootstrap, topic)).containsOnly(CompressionType.forName(codec));
        }
    }

    /** The compression of every batch stored in partition 0 of {@code topic}, as a raw Fetch returns them. */
    private static List<CompressionType> storedCodecs(String bootstrap, String topic) throws IOException {
        try (RawConnection connection = RawConnection.open(bootstrap)) {
            FetchResponse response = connection.request(KafkaFrames.fetch(topic, 0));
            var codecs = new ArrayList<CompressionType>();
            response.data().responses().forEach(t -> t.partitions().forEach(p ->
                    ((MemoryRecords) p.records()).batches().forEach(batch -> codecs.add(batch.compressionType()))));
            assertThat(codecs).isNotEmpty();
            return codecs;
        }
    }

    @Test
    void recordsProducedByTheJavaClientAreReadByKcatAndFoundByTimestamp() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "java-to-kcat", 1, Map.of());
            long baseTimestamp = System.currentTimeMillis() - 60_000;
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 5; i++) {
                    var record = new ProducerRecord<>("java-to-kcat", 0, baseTimestamp + 1000L * i, "jk" + i,
                            "jv" + i);
                    record.headers().add(new RecordHeader("n", String.valueOf(i).getBytes(StandardCharsets.UTF_8)));
                    producer.send(record);
                }
                producer.flush();
            }

            var consumed = kcat(bootstrap, null, "-C", "-t", "java-to-kcat", "-p", "0", "-e", "-o", "beginning",
                    "-f", "%o|%k|%s|%h|%T\\n").stdoutLines();
            var expected = new ArrayList<String>();
            for (int i = 0; i < 5; i++) {
                expected.add(i + "|jk" + i + "|jv" + i + "|n=" + i + "|" + (baseTimestamp + 1000L * i));
            }
            assertThat(consumed).containsExactlyElementsOf(expected);

            // -Q: ListOffsets by timestamp, the first offset at or after it (librdkafka asks at v1/v2).
            assertThat(kcat(bootstrap, null, "-Q", "-t", "java-to-kcat:0:" + (baseTimestamp + 2500)).stdoutLines())
                    .containsExactly("java-to-kcat [0] offset 3");
            // -o -2: two before the end, resolved through ListOffsets LATEST.
            assertThat(kcat(bootstrap, null, "-C", "-t", "java-to-kcat", "-p", "0", "-e", "-o", "-2", "-f",
                    "%k\\n").stdoutLines()).containsExactly("jk3", "jk4");
        }
    }

    @Test
    void balancedConsumerReadsEveryPartitionCommitsAndResumesFromItsCommittedOffsets() throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            GroupFixture.createAndFill(bootstrap, "kcat-group-topic", 4, 6, 2);

            // -G: librdkafka's KafkaConsumer (JoinGroup/SyncGroup/Heartbeat, OffsetFetch, OffsetCommit on close);
            // -e exits once every assigned partition reached its end.
            var first = balancedConsumer(bootstrap, "kcat-group", "-e", "kcat-group-topic");
            assertThat(first.stdoutLines()).containsExactlyInAnyOrderElementsOf(
                    groupRecords(new int[] {0, 0, 0}, new int[] {4, 6, 2}));
            assertInPartitionOrder(first.stdoutLines());
            // The partition that ends last adds ": exiting" to its line.
            assertThat(first.stderrLines()).as(first.describe()).anyMatch(line -> line.matches(
                    "% Group kcat-group rebalanced \\(memberid rdkafka-[0-9a-f-]{36}\\): assigned: "
                            + "kcat-group-topic \\[0\\], kcat-group-topic \\[1\\], kcat-group-topic \\[2\\]"));
            assertThat(first.stderrLines().stream().filter(line -> line.startsWith("% Reached end"))
                    .map(line -> line.replace(": exiting", ""))).as(first.describe()).containsExactlyInAnyOrder(
                    "% Reached end of topic kcat-group-topic [0] at offset 4",
                    "% Reached end of topic kcat-group-topic [1] at offset 6",
                    "% Reached end of topic kcat-group-topic [2] at offset 2");
            assertThat(GroupFixture.committed(bootstrap, "kcat-group"))
                    .containsExactly("kcat-group-topic-0=4", "kcat-group-topic-1=6", "kcat-group-topic-2=2");

            GroupFixture.append(bootstrap, "kcat-group-topic", 100, 2, 0, 1);
            var second = balancedConsumer(bootstrap, "kcat-group", "-e", "kcat-group-topic");
            assertThat(second.stdoutLines()).containsExactlyInAnyOrder(
                    groupRecord(0, 4, 100), groupRecord(0, 5, 101), groupRecord(2, 2, 100));
            assertThat(GroupFixture.committed(bootstrap, "kcat-group"))
                    .containsExactly("kcat-group-topic-0=6", "kcat-group-topic-1=6", "kcat-group-topic-2=3");
        }
    }

    /**
     * librdkafka's default assignors (eager: every member gives up its partitions on each rebalance) and
     * cooperative-sticky (incremental: a second rebalance hands over only the partitions that move).
     */
    @ParameterizedTest
    @ValueSource(strings = {"range,roundrobin", "cooperative-sticky"})
    void twoBalancedConsumersInOneGroupSplitThePartitions(String assignors) throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "kcat-split", 4, Map.of());
            String[] memberArgs = {"-X", "partition.assignment.strategy=" + assignors, "-c", "10", "kcat-split"};

            // Both members start on the empty topic; each stops after the 10 records of its two partitions.
            try (var memberA = startBalancedConsumer(bootstrap, "kcat-split-group", memberArgs);
                 var memberB = startBalancedConsumer(bootstrap, "kcat-split-group", memberArgs);
                 Admin admin = Clients.admin(bootstrap)) {
                // Until the first member joins, the group does not exist (GroupIdNotFoundException).
                await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(ExecutionException.class)
                        .untilAsserted(() -> {
                            ConsumerGroupDescription group = admin.describeConsumerGroups(
                                    List.of("kcat-split-group")).describedGroups().get("kcat-split-group").get();
                            assertThat(group.groupState()).isEqualTo(GroupState.STABLE);
                            assertThat(group.members()).hasSize(2).allSatisfy(member ->
                                    assertThat(member.assignment().topicPartitions()).hasSize(2));
                        });
                GroupFixture.append(bootstrap, "kcat-split", 0, 5, 5, 5, 5);

                List<String> linesA = memberA.await(TIMEOUT).stdoutLines();
                List<String> linesB = memberB.await(TIMEOUT).stdoutLines();
                assertThat(linesA).hasSize(10);
                assertThat(linesB).hasSize(10);
                assertInPartitionOrder(linesA);
                assertInPartitionOrder(linesB);
                assertThat(partitionsOf(linesA)).hasSize(2).doesNotContainAnyElementsOf(partitionsOf(linesB));
                var all = new ArrayList<>(linesA);
                all.addAll(linesB);
                assertThat(all).containsExactlyInAnyOrderElementsOf(
                        groupRecords(new int[] {0, 0, 0, 0}, new int[] {5, 5, 5, 5}));
            }
            assertThat(GroupFixture.committed(bootstrap, "kcat-split-group")).containsExactly(
                    "kcat-split-0=5", "kcat-split-1=5", "kcat-split-2=5", "kcat-split-3=5");
        }
    }

    /** Records written by GroupFixture, as {@link #GROUP_FORMAT} prints them: from[p] up to to[p] of partition p. */
    private static List<String> groupRecords(int[] from, int[] to) {
        var lines = new ArrayList<String>();
        for (int partition = 0; partition < from.length; partition++) {
            for (int i = from[partition]; i < to[partition]; i++) {
                lines.add(groupRecord(partition, i, i));
            }
        }
        return lines;
    }

    private static String groupRecord(int partition, long offset, int i) {
        return partition + "|" + offset + "|" + GroupFixture.key(partition, i) + "|" + GroupFixture.value(partition, i);
    }

    /** Records of one partition arrive in offset order; partitions interleave as the fetches return. */
    private static void assertInPartitionOrder(List<String> lines) {
        var lastOffsets = new HashMap<String, Long>();
        for (String line : lines) {
            String[] fields = line.split("\\|");
            Long previous = lastOffsets.put(fields[0], Long.parseLong(fields[1]));
            assertThat(previous == null ? -1 : previous).as(line).isLessThan(Long.parseLong(fields[1]));
        }
    }

    private static Set<String> partitionsOf(List<String> lines) {
        return lines.stream().map(line -> line.substring(0, line.indexOf('|'))).collect(Collectors.toSet());
    }

    /**
     * kcat as a member of {@code group}, starting where the group committed (earliest where it has not), auto-commit
     * on: librdkafka commits the consumed offsets when it leaves.
     */
    private static ExternalProcess.Result balancedConsumer(String bootstrap, String group, String... args)
            throws Exception {
        try (var running = startBalancedConsumer(bootstrap, group, args)) {
            var result = running.await(TIMEOUT);
            assertThat(result.exitCode()).as(result.describe()).isZero();
            return result;
        }
    }

    private static ExternalProcess.Running startBalancedConsumer(String bootstrap, String group, String... args)
            throws Exception {
        var command = new ArrayList<String>(List.of(InteropTools.kcat().toString(), "-b", bootstrap, "-G", group,
                "-X", "auto.offset.reset=earliest", "-f", GROUP_FORMAT));
        command.addAll(List.of(args));
        return ExternalProcess.start(command, Map.of(), null);
    }

    private static ExternalProcess.Result kcat(String bootstrap, String stdin, String... args) throws Exception {
        var command = new ArrayList<String>(List.of(InteropTools.kcat().toString(), "-b", bootstrap));
        command.addAll(List.of(args));
        return ExternalProcess.runSuccessfully(command, Map.of(), stdin, TIMEOUT);
    }
}
