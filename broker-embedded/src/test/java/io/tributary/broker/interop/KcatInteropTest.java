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
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kcat (librdkafka 2.x, Debian's package) against the broker: metadata, keyed produce with headers in every
 * compression codec, consume from the beginning to the end of a partition, offsets by time, and the records
 * crossing between kcat and the Java client in both directions. librdkafka negotiates older API versions than
 * kafka-clients (ListOffsets v2, Metadata v4, Produce v7...), which is what this test is for.
 */
class KcatInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

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

    private static ExternalProcess.Result kcat(String bootstrap, String stdin, String... args) throws Exception {
        var command = new ArrayList<String>(List.of(InteropTools.kcat().toString(), "-b", bootstrap));
        command.addAll(List.of(args));
        return ExternalProcess.runSuccessfully(command, Map.of(), stdin, TIMEOUT);
    }
}
