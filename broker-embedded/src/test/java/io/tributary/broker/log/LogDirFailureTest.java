package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.metrics.BrokerStatus;
import io.tributary.broker.metrics.LogDirStatus;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up in the middle of a write, seen through real clients on a broker with two log directories
 * (Kafka's LogDirFailureChannel behaviour): the failing produce is answered KAFKA_STORAGE_ERROR and the directory
 * goes offline, so its partition refuses produce and fetch, Metadata and the node's status show it offline and
 * DescribeLogDirs reports the directory with KAFKA_STORAGE_ERROR, while the partition in the other directory goes
 * on. After a restart with room on the disk again, recovery finds exactly the acknowledged records.
 */
class LogDirFailureTest {
    private static final String FAILING = "on-failing-disk";
    private static final String HEALTHY = "on-healthy-disk";
    private static final TopicPartition FAILING_0 = new TopicPartition(FAILING, 0);
    private static final TopicPartition HEALTHY_0 = new TopicPartition(HEALTHY, 0);
    private static final int ACKNOWLEDGED = 5;

    @TempDir
    Path root;

    private Path firstDir;
    private Path secondDir;

    @BeforeEach
    void twoLogDirs() throws Exception {
        firstDir = Files.createDirectory(root.resolve("disk-1"));
        secondDir = Files.createDirectory(root.resolve("disk-2"));
    }

    @AfterEach
    void clearFault() {
        LogSegment.beforeWrite = (file, channel, bytes) -> { };
    }

    /** acks=all, no retries, so a storage error reaches the test as it reached the client. */
    private static KafkaProducer<String, String> producer(String bootstrap) {
        return Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.RETRIES_CONFIG, 0, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1));
    }

    private static void send(KafkaProducer<String, String> producer, TopicPartition partition, int i)
            throws Exception {
        producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), "key-" + i, "value-" + i)).get();
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    private static List<String> expectedValues(int count) {
        return IntStream.range(0, count).mapToObj(i -> "value-" + i).toList();
    }

    @Test
    void aFailedWriteTakesItsLogDirOfflineWhileTheOtherDirKeepsServing() throws Exception {
        try (TestBroker broker = TestBroker.start(root,
                Map.of("log.dirs", firstDir + "," + secondDir))) {
            String bootstrap = broker.bootstrapServers();
            // Each new log goes to the directory with the fewest logs: the first topic to the first directory.
            Clients.createTopic(bootstrap, FAILING, 1, Map.of());
            Clients.createTopic(bootstrap, HEALTHY, 1, Map.of());
            assertThat(firstDir.resolve(FAILING + "-0")).isDirectory();
            assertThat(secondDir.resolve(HEALTHY + "-0")).isDirectory();

            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                for (int i = 0; i < ACKNOWLEDGED; i++) {
                    send(producer, FAILING_0, i);
                    send(producer, HEALTHY_0, i);
                }
                // The disk of the first directory fills up in the middle of the next write there.
                LogSegment.beforeWrite = (file, channel, bytes) -> {
                    if (file.startsWith(firstDir)) {
                        AppendIoErrorTest.HALF_THEN_DISK_FULL.beforeWrite(file, channel, bytes);
                    }
                };
                assertThatThrownBy(() -> send(producer, FAILING_0, ACKNOWLEDGED))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(KafkaStorageException.class);
                // Room again: the directory stays offline until the broker restarts.
                clearFault();

                send(producer, HEALTHY_0, ACKNOWLEDGED);
            }
            assertThat(values(Clients.readExactly(bootstrap, HEALTHY_0, 0, ACKNOWLEDGED + 1)))
                    .isEqualTo(expectedValues(ACKNOWLEDGED + 1));

            try (WireClient wire = WireClient.connect(bootstrap); Admin admin = Clients.admin(bootstrap)) {
                int nodeId = admin.describeCluster().nodes().get().iterator().next().id();
                MetadataResponseTopic topic = metadata(wire, FAILING);
                assertThat(produce(wire, FAILING, topic.topicId()))
                        .isEqualTo(Errors.KAFKA_STORAGE_ERROR);
                assertThat(fetch(wire, FAILING_0, topic.topicId())).isEqualTo(Errors.KAFKA_STORAGE_ERROR);
                assertThat(produce(wire, HEALTHY, metadata(wire, HEALTHY).topicId())).isEqualTo(Errors.NONE);
                // The reads of offsets and producer state refuse the offline partition too, as Kafka's
                // ReplicaManager.getPartitionOrException does, instead of answering from a log that may be torn.
                assertThat(offsetsAndProducerErrors(wire, FAILING_0)).containsOnly(Errors.KAFKA_STORAGE_ERROR);
                assertThat(offsetsAndProducerErrors(wire, HEALTHY_0)).containsOnly(Errors.NONE);

                MetadataResponsePartition offline = metadata(wire, FAILING).partitions().get(0);
                assertThat(offline.leaderId()).isEqualTo(-1);
                assertThat(Errors.forCode(offline.errorCode())).isEqualTo(Errors.LEADER_NOT_AVAILABLE);
                assertThat(offline.offlineReplicas()).containsExactly(nodeId);
                MetadataResponsePartition online = metadata(wire, HEALTHY).partitions().get(0);
                assertThat(online.leaderId()).isEqualTo(nodeId);
                assertThat(online.offlineReplicas()).isEmpty();

                Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(nodeId)).descriptions()
                        .get(nodeId).get();
                assertThat(dirs.get(firstDir.toAbsolutePath().toString()).error())
                        .isInstanceOf(KafkaStorageException.class);
                LogDirDescription second = dirs.get(secondDir.toAbsolutePath().toString());
                assertThat(second.error()).isNull();
                assertThat(second.replicaInfos()).containsKey(HEALTHY_0);
            }

            BrokerStatus status = broker.broker().status();
            assertThat(status.partitionCount()).isEqualTo(2);
            assertThat(status.offlinePartitions()).isEqualTo(1);
            assertThat(status.logDirs()).extracting(LogDirStatus::online).containsExactly(false, true);

            broker.restart();
            bootstrap = broker.bootstrapServers();
            assertThat(broker.broker().status().offlinePartitions()).isZero();
            List<ConsumerRecord<String, String>> recovered = Clients.readToEnd(bootstrap, FAILING_0,
                    IsolationLevel.READ_UNCOMMITTED);
            assertThat(values(recovered)).isEqualTo(expectedValues(ACKNOWLEDGED));
            assertThat(recovered).extracting(ConsumerRecord::offset)
                    .containsExactlyElementsOf(IntStream.range(0, ACKNOWLEDGED).mapToObj(i -> (long) i).toList());
            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                send(producer, FAILING_0, ACKNOWLEDGED);
            }
            assertThat(values(Clients.readExactly(bootstrap, FAILING_0, 0, ACKNOWLEDGED + 1)))
                    .isEqualTo(expectedValues(ACKNOWLEDGED + 1));
            assertThat(values(Clients.readExactly(bootstrap, HEALTHY_0, 0, ACKNOWLEDGED + 2)))
                    .hasSize(ACKNOWLEDGED + 2);
        }
    }

    static MetadataResponseTopic metadata(WireClient wire, String topic) {
        MetadataResponse response = wire.send(new MetadataRequest.Builder(List.of(topic), false));
        return response.data().topics().find(topic);
    }

    /** One record to partition 0 of {@code topic}, acks=all; the partition's error. */
    static Errors produce(WireClient wire, String topic, Uuid topicId) {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord("wire".getBytes(StandardCharsets.UTF_8), "refused?".getBytes(StandardCharsets.UTF_8)));
        var data = new ProduceRequestData.TopicProduceData().setName(topic).setTopicId(topicId)
                .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(records)));
        ProduceResponse response = wire.send(ProduceRequest.builder(new ProduceRequestData().setAcks((short) -1)
                .setTimeoutMs(10_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(data).iterator()))));
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    /**
     * The partition's errors in ListOffsets (earliest, latest, max timestamp, by time), OffsetForLeaderEpoch and
     * DescribeProducers.
     */
    static List<Errors> offsetsAndProducerErrors(WireClient wire, TopicPartition partition) {
        var errors = new ArrayList<Errors>();
        for (long timestamp : new long[] {ListOffsetsRequest.EARLIEST_TIMESTAMP, ListOffsetsRequest.LATEST_TIMESTAMP,
                ListOffsetsRequest.MAX_TIMESTAMP, 0L}) {
            var request = ListOffsetsRequest.Builder.forConsumer(true, IsolationLevel.READ_UNCOMMITTED)
                    .setTargetTimes(List.of(new ListOffsetsTopic().setName(partition.topic()).setPartitions(List.of(
                            new ListOffsetsPartition().setPartitionIndex(partition.partition())
                                    .setTimestamp(timestamp)))));
            ListOffsetsResponse response = wire.send(request);
            errors.add(Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode()));
        }

        var epochTopics = new OffsetForLeaderTopicCollection();
        var epochTopic = new OffsetForLeaderTopic().setTopic(partition.topic());
        epochTopic.partitions().add(new OffsetForLeaderPartition().setPartition(partition.partition())
                .setLeaderEpoch(0).setCurrentLeaderEpoch(-1));
        epochTopics.add(epochTopic);
        OffsetsForLeaderEpochResponse epochs = wire.send(OffsetsForLeaderEpochRequest.Builder.forConsumer(epochTopics));
        errors.add(Errors.forCode(epochs.data().topics().find(partition.topic()).partitions().get(0).errorCode()));

        DescribeProducersResponse producers = wire.send(new DescribeProducersRequest.Builder(
                new DescribeProducersRequestData().setTopics(List.of(new DescribeProducersRequestData.TopicRequest()
                        .setName(partition.topic()).setPartitionIndexes(List.of(partition.partition()))))));
        errors.add(Errors.forCode(producers.data().topics().get(0).partitions().get(0).errorCode()));
        return errors;
    }

    private static Errors fetch(WireClient wire, TopicPartition partition, Uuid topicId) {
        var partitions = new LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
        partitions.put(partition, new FetchRequest.PartitionData(topicId, 0, -1, 1024 * 1024, Optional.empty()));
        FetchResponse response = wire.send(FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(), 0, 1,
                partitions).metadata(FetchMetadata.LEGACY));
        return Errors.forCode(response.responseData(Map.of(topicId, partition.topic()), ApiKeys.FETCH.latestVersion())
                .get(partition).errorCode());
    }
}
