package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeCluster, DescribeLogDirs, the operations a client may perform on topics and on the cluster, and topics
 * auto-created from Metadata with {@code num.partitions}, or as their coordinators create them for the internal ones.
 */
class ClusterMetadataTest {
    @TempDir
    static Path dataDir;

    private static TestBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dataDir, Map.of("num.partitions", "3", "offsets.topic.num.partitions", "5",
                "offsets.topic.segment.bytes", "2000000", "transaction.state.log.num.partitions", "4",
                "transaction.state.log.segment.bytes", "3000000"));
        admin = Clients.admin(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    private static MetadataResponseTopic metadata(String topic, boolean allowAutoCreate) {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            MetadataResponse response = wire.send(new MetadataRequest.Builder(List.of(topic), allowAutoCreate));
            return response.data().topics().find(topic);
        }
    }

    private static long segmentBytesOnDisk(String partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve(partitionDir))) {
            long total = 0;
            for (Path file : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                total += Files.size(file);
            }
            return total;
        }
    }

    @Test
    void describeClusterReturnsThisBrokerAsTheOnlyNodeAndController() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();

        Node expected = new Node(1, "127.0.0.1", broker.broker().port());
        assertThat(cluster.clusterId().get()).isEqualTo(broker.broker().clusterId()).isNotBlank();
        assertThat(cluster.nodes().get()).containsExactly(expected);
        assertThat(cluster.controller().get()).isEqualTo(expected);
    }

    @Test
    void describeClusterForControllersOrAnUnknownEndpointTypeIsRefusedAsByAKafkaBroker() {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            for (short version = 1; version <= 2; version++) {
                DescribeClusterResponse brokers = wire.send(new DescribeClusterRequest.Builder(
                        new DescribeClusterRequestData().setEndpointType((byte) 1)), version);
                DescribeClusterResponse controllers = wire.send(new DescribeClusterRequest.Builder(
                        new DescribeClusterRequestData().setEndpointType((byte) 2)), version);
                DescribeClusterResponse unknown = wire.send(new DescribeClusterRequest.Builder(
                        new DescribeClusterRequestData().setEndpointType((byte) 7)), version);

                assertThat(Errors.forCode(brokers.data().errorCode())).as("v%d", version).isEqualTo(Errors.NONE);
                assertThat(brokers.data().brokers()).hasSize(1);
                assertThat(Errors.forCode(controllers.data().errorCode())).as("v%d", version)
                        .isEqualTo(Errors.MISMATCHED_ENDPOINT_TYPE);
                assertThat(controllers.data().brokers()).isEmpty();
                assertThat(Errors.forCode(unknown.data().errorCode())).as("v%d", version)
                        .isEqualTo(Errors.UNSUPPORTED_ENDPOINT_TYPE);
            }
        }
    }

    @Test
    void authorizedOperationsOfATopicAreTheOperationsATopicSupports() throws Exception {
        admin.createTopics(List.of(new NewTopic("authorized", 1, (short) 1))).all().get();

        TopicDescription described = admin.describeTopics(List.of("authorized"),
                new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get().get("authorized");

        // As Kafka without an authorizer answers: AclEntry.supportedOperations(TOPIC), not every operation.
        assertThat(described.authorizedOperations()).containsExactlyInAnyOrder(AclOperation.READ,
                AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE,
                AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS);
    }

    @Test
    void authorizedOperationsOfTheClusterAreTheOperationsTheClusterSupports() throws Exception {
        var clusterOperations = new AclOperation[] {AclOperation.CREATE, AclOperation.CLUSTER_ACTION,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE,
            AclOperation.ALTER, AclOperation.DESCRIBE};

        Set<AclOperation> described = admin.describeCluster(
                new DescribeClusterOptions().includeAuthorizedOperations(true)).authorizedOperations().get();
        MetadataResponse metadata;
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            // Metadata v8 to v10 carry the cluster's operations too, for clients older than DescribeCluster.
            metadata = wire.send(new MetadataRequest.Builder(new MetadataRequestData().setTopics(List.of())
                    .setIncludeClusterAuthorizedOperations(true)), (short) 10);
        }

        assertThat(described).containsExactlyInAnyOrder(clusterOperations);
        assertThat(Utils.from32BitField(metadata.data().clusterAuthorizedOperations()).stream()
                .map(AclOperation::fromCode)).containsExactlyInAnyOrder(clusterOperations);
    }

    @Test
    void describeLogDirsReportsEveryPartitionsSizeOnDisk() throws Exception {
        admin.createTopics(List.of(new NewTopic("sized", 2, (short) 1).configs(Map.of("segment.bytes", "500"))))
                .all().get();
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>("sized", 0, "k" + i, "value-" + i)).get();
            }
        }

        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1);

        assertThat(dirs).containsOnlyKeys(dataDir.toAbsolutePath().toString());
        LogDirDescription dir = dirs.get(dataDir.toAbsolutePath().toString());
        assertThat(dir.error()).isNull();
        assertThat(dir.totalBytes().orElseThrow()).isPositive();
        assertThat(dir.usableBytes().orElseThrow()).isPositive();
        ReplicaInfo written = dir.replicaInfos().get(new TopicPartition("sized", 0));
        ReplicaInfo empty = dir.replicaInfos().get(new TopicPartition("sized", 1));
        assertThat(written.size()).isEqualTo(segmentBytesOnDisk("sized-0")).isGreaterThan(500);
        assertThat(written.offsetLag()).isZero();
        assertThat(written.isFuture()).isFalse();
        assertThat(empty.size()).isZero();
    }

    @Test
    void aProducerToAnUnknownTopicCreatesItWithNumPartitions() throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>("auto-created", 2, "k", "v")).get();
            assertThat(metadata.offset()).isZero();
            assertThat(producer.partitionsFor("auto-created")).hasSize(3);
        }

        TopicDescription description = admin.describeTopics(List.of("auto-created")).allTopicNames().get()
                .get("auto-created");
        assertThat(description.partitions()).hasSize(3);
        assertThat(description.partitions().get(0).replicas()).extracting(Node::id).containsExactly(1);
        assertThat(Clients.readExactly(broker.bootstrapServers(), new TopicPartition("auto-created", 2), 0, 1))
                .extracting(record -> record.value()).containsExactly("v");
    }

    @Test
    void aMetadataRequestAllowingAutoCreationCreatesTheTopicAndDescribesItAtOnce() throws Exception {
        MetadataResponseTopic topic = metadata("librdkafka-style", true);

        assertThat(Errors.forCode(topic.errorCode())).isEqualTo(Errors.NONE);
        assertThat(topic.partitions()).hasSize(3);
        assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.leaderId()).isEqualTo(1));
        assertThat(admin.listTopics().names().get()).contains("librdkafka-style");
    }

    @Test
    void aMetadataRequestForTheInternalTopicsCreatesThemAsTheirCoordinatorsDo() throws Exception {
        MetadataResponseTopic offsets = metadata(Topic.GROUP_METADATA_TOPIC_NAME, true);
        MetadataResponseTopic transactions = metadata(Topic.TRANSACTION_STATE_TOPIC_NAME, true);

        assertThat(Errors.forCode(offsets.errorCode())).isEqualTo(Errors.NONE);
        assertThat(offsets.isInternal()).isTrue();
        assertThat(offsets.partitions()).hasSize(5);
        assertThat(transactions.partitions()).hasSize(4);
        Map<String, Config> configs = topicConfigs(Topic.GROUP_METADATA_TOPIC_NAME, Topic.TRANSACTION_STATE_TOPIC_NAME);
        assertThat(configs.get(Topic.GROUP_METADATA_TOPIC_NAME).get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(configs.get(Topic.GROUP_METADATA_TOPIC_NAME).get("segment.bytes").value()).isEqualTo("2000000");
        assertThat(configs.get(Topic.TRANSACTION_STATE_TOPIC_NAME).get("cleanup.policy").value())
                .isEqualTo("compact");
        assertThat(configs.get(Topic.TRANSACTION_STATE_TOPIC_NAME).get("segment.bytes").value())
                .isEqualTo("3000000");
        // The group coordinator took up the new partitions: offsets commit and read back.
        var partition = new TopicPartition("committed-after-metadata", 0);
        metadata(partition.topic(), true);
        admin.alterConsumerGroupOffsets("after-metadata", Map.of(partition, new OffsetAndMetadata(2))).all().get();
        assertThat(admin.listConsumerGroupOffsets("after-metadata").partitionsToOffsetAndMetadata().get())
                .containsEntry(partition, new OffsetAndMetadata(2));
    }

    private static Map<String, Config> topicConfigs(String... topics) throws Exception {
        var resources = Stream.of(topics).map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        var byName = new HashMap<String, Config>();
        admin.describeConfigs(resources).all().get().forEach((resource, config) -> byName.put(resource.name(), config));
        return byName;
    }

    @Test
    void aMetadataRequestNotAllowingAutoCreationLeavesTheTopicUnknown() throws Exception {
        MetadataResponseTopic topic = metadata("not-auto-created", false);

        assertThat(Errors.forCode(topic.errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(admin.listTopics().names().get()).doesNotContain("not-auto-created");
    }

    @Test
    void anInvalidTopicNameIsNotAutoCreated() throws Exception {
        MetadataResponseTopic topic = metadata("bad name!", true);

        assertThat(Errors.forCode(topic.errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        assertThat(admin.listTopics().names().get()).doesNotContain("bad name!");
    }
}
