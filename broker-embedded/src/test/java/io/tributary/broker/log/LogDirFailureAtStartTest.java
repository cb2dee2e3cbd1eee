package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.metrics.BrokerStatus;
import io.tributary.broker.metrics.LogDirStatus;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An I/O error while opening the logs at start, as Kafka's {@code LogManager.loadLogs}: the log directory it
 * happened in goes offline, and the broker starts serving the partitions of its other directories; only when every
 * directory fails does the start fail, naming them. The error is made real by a directory where a segment file is
 * expected: opening it throws an IOException even as root, which permissions would not.
 */
class LogDirFailureAtStartTest {
    private static final String ON_FIRST = "on-first-disk";
    private static final String ON_SECOND = "on-second-disk";
    private static final TopicPartition ON_FIRST_0 = new TopicPartition(ON_FIRST, 0);
    private static final TopicPartition ON_SECOND_0 = new TopicPartition(ON_SECOND, 0);
    private static final int RECORDS = 5;

    @TempDir
    Path root;

    private Path firstDir;
    private Path secondDir;
    private Map<String, String> twoDirs;

    @BeforeEach
    void twoLogDirsWithOneTopicEach() throws Exception {
        firstDir = Files.createDirectory(root.resolve("disk-1"));
        secondDir = Files.createDirectory(root.resolve("disk-2"));
        twoDirs = Map.of("log.dirs", firstDir + "," + secondDir);
        try (TestBroker broker = TestBroker.start(root, twoDirs)) {
            String bootstrap = broker.bootstrapServers();
            // Each new log goes to the directory with the fewest logs: the first topic to the first directory.
            Clients.createTopic(bootstrap, ON_FIRST, 1, Map.of());
            Clients.createTopic(bootstrap, ON_SECOND, 1, Map.of());
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < RECORDS; i++) {
                    producer.send(new ProducerRecord<>(ON_FIRST, 0, "key-" + i, "value-" + i)).get();
                    producer.send(new ProducerRecord<>(ON_SECOND, 0, "key-" + i, "value-" + i)).get();
                }
            }
        }
        assertThat(firstDir.resolve(ON_FIRST + "-0")).isDirectory();
        assertThat(secondDir.resolve(ON_SECOND + "-0")).isDirectory();
    }

    /** Puts a directory where the partition's first segment file was: reading it is an IOException. */
    private static void breakFirstSegment(Path partitionDir) throws Exception {
        Path segment = partitionDir.resolve("00000000000000000000.log");
        Files.delete(segment);
        Files.createDirectory(segment);
        Files.writeString(segment.resolve("not-a-segment"), "x");
    }

    @Test
    void aLogThatCannotBeOpenedTakesItsDirOfflineAndTheBrokerServesTheOtherDir() throws Exception {
        breakFirstSegment(secondDir.resolve(ON_SECOND + "-0"));

        try (TestBroker broker = TestBroker.start(root, twoDirs)) {
            String bootstrap = broker.bootstrapServers();
            List<ConsumerRecord<String, String>> records = Clients.readExactly(bootstrap, ON_FIRST_0, 0, RECORDS);
            assertThat(records).extracting(ConsumerRecord::value)
                    .containsExactlyElementsOf(IntStream.range(0, RECORDS).mapToObj(i -> "value-" + i).toList());

            try (WireClient wire = WireClient.connect(bootstrap); Admin admin = Clients.admin(bootstrap)) {
                int nodeId = admin.describeCluster().nodes().get().iterator().next().id();
                assertThat(LogDirFailureTest.produce(wire, ON_SECOND, LogDirFailureTest.metadata(wire, ON_SECOND)
                        .topicId())).isEqualTo(Errors.KAFKA_STORAGE_ERROR);
                assertThat(LogDirFailureTest.offsetsAndProducerErrors(wire, ON_SECOND_0))
                        .containsOnly(Errors.KAFKA_STORAGE_ERROR);
                assertThat(LogDirFailureTest.produce(wire, ON_FIRST, LogDirFailureTest.metadata(wire, ON_FIRST)
                        .topicId())).isEqualTo(Errors.NONE);

                MetadataResponsePartition offline = LogDirFailureTest.metadata(wire, ON_SECOND).partitions().get(0);
                assertThat(offline.leaderId()).isEqualTo(-1);
                assertThat(offline.offlineReplicas()).containsExactly(nodeId);
                assertThat(LogDirFailureTest.metadata(wire, ON_FIRST).partitions().get(0).leaderId())
                        .isEqualTo(nodeId);

                Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(nodeId)).descriptions()
                        .get(nodeId).get();
                assertThat(dirs.get(secondDir.toAbsolutePath().toString()).error())
                        .isInstanceOf(KafkaStorageException.class);
                LogDirDescription first = dirs.get(firstDir.toAbsolutePath().toString());
                assertThat(first.error()).isNull();
                assertThat(first.replicaInfos()).containsKey(ON_FIRST_0);
            }

            BrokerStatus status = broker.broker().status();
            assertThat(status.partitionCount()).isEqualTo(2);
            assertThat(status.offlinePartitions()).isEqualTo(1);
            assertThat(status.logDirs()).extracting(LogDirStatus::online).containsExactly(true, false);
        }
        // Not a thing was written to the failed directory: its log is still there for an operator to repair.
        assertThat(secondDir.resolve(ON_SECOND + "-0/00000000000000000000.log")).isDirectory();
        assertThat(secondDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).doesNotExist();
    }

    @Test
    void whenEveryLogDirFailsTheStartFailsNamingThem() throws Exception {
        breakFirstSegment(firstDir.resolve(ON_FIRST + "-0"));
        breakFirstSegment(secondDir.resolve(ON_SECOND + "-0"));

        assertThatThrownBy(() -> TestBroker.start(root, twoDirs).close())
                .hasMessageContaining("Every log directory failed")
                .hasMessageContaining(firstDir.toAbsolutePath().toString())
                .hasMessageContaining(secondDir.toAbsolutePath().toString());
    }
}
