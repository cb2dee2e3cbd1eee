package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.CreatePartitionsResult;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeProducersRequest;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CreateTopics validation, DeleteTopics and re-creation under a new topic id, and CreatePartitions. */
class TopicAdminTest {
    @TempDir
    static Path dataDir;

    private static TestBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dataDir);
        admin = Clients.admin(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    private static Throwable catchCause(NewTopic topic, CreateTopicsOptions options) {
        try {
            admin.createTopics(List.of(topic), options).all().get();
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    private static Throwable failureOf(NewTopic topic) {
        Exception failure = (Exception) catchCause(topic, new CreateTopicsOptions());
        assertThat(failure).isInstanceOf(ExecutionException.class);
        return failure.getCause();
    }

    private static boolean exists(String topic) throws Exception {
        return admin.listTopics().names().get().contains(topic);
    }

    private static Uuid topicId(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
    }

    @Test
    void createTopicsReportsPartitionsReplicationFactorIdAndConfigs() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("created", 3, (short) 1)
                .configs(Map.of("retention.ms", "123456"))));
        result.all().get();

        assertThat(result.numPartitions("created").get()).isEqualTo(3);
        assertThat(result.replicationFactor("created").get()).isEqualTo(1);
        assertThat(result.topicId("created").get()).isEqualTo(topicId("created")).isNotEqualTo(Uuid.ZERO_UUID);
        assertThat(result.config("created").get().get("retention.ms").value()).isEqualTo("123456");
        assertThat(result.config("created").get().get("segment.bytes").value()).isEqualTo("1073741824");
        assertThat(admin.describeTopics(List.of("created")).allTopicNames().get().get("created").partitions())
                .hasSize(3);
    }

    @Test
    void anInvalidTopicNameIsRefused() {
        assertThat(failureOf(new NewTopic("bad/name", 1, (short) 1))).isInstanceOf(InvalidTopicException.class);
        assertThat(failureOf(new NewTopic("..", 1, (short) 1))).isInstanceOf(InvalidTopicException.class);
        assertThat(failureOf(new NewTopic("x".repeat(250), 1, (short) 1))).isInstanceOf(InvalidTopicException.class);
    }

    @Test
    void describingProducersOrConfigsOfAnInvalidTopicNameIsInvalidTopic() {
        var request = new DescribeProducersRequestData().setTopics(List.of(
                new DescribeProducersRequestData.TopicRequest().setName("bad/name").setPartitionIndexes(List.of(0, 1)),
                new DescribeProducersRequestData.TopicRequest().setName("no-such-topic")
                        .setPartitionIndexes(List.of(0))));
        DescribeProducersResponse producers;
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            producers = wire.send(new DescribeProducersRequest.Builder(request));
        }

        var errors = producers.data().topics().stream().flatMap(topic -> topic.partitions().stream()
                .map(p -> topic.name() + "-" + p.partitionIndex() + " " + Errors.forCode(p.errorCode()))).toList();
        assertThat(errors).containsExactly("bad/name-0 INVALID_TOPIC_EXCEPTION", "bad/name-1 INVALID_TOPIC_EXCEPTION",
                "no-such-topic-0 UNKNOWN_TOPIC_OR_PARTITION");
        var resource = new ConfigResource(ConfigResource.Type.TOPIC, "bad/name");
        assertThatThrownBy(() -> admin.describeConfigs(List.of(resource)).all().get())
                .hasCauseInstanceOf(InvalidTopicException.class);
    }

    @Test
    void zeroPartitionsIsInvalidPartitions() throws Exception {
        assertThat(failureOf(new NewTopic("zero-partitions", 0, (short) 1)))
                .isInstanceOf(InvalidPartitionsException.class);
        assertThat(exists("zero-partitions")).isFalse();
    }

    @Test
    void aReplicationFactorAboveTheBrokerCountIsInvalidReplicationFactor() throws Exception {
        assertThat(failureOf(new NewTopic("two-replicas", 1, (short) 2)))
                .isInstanceOf(InvalidReplicationFactorException.class);
        assertThat(exists("two-replicas")).isFalse();
    }

    @Test
    void unknownOrInvalidConfigsAreInvalidConfig() throws Exception {
        assertThat(failureOf(new NewTopic("unknown-config", 1, (short) 1).configs(Map.of("no.such.config", "1"))))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThat(failureOf(new NewTopic("bad-value", 1, (short) 1).configs(Map.of("retention.ms", "soon"))))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThat(exists("unknown-config")).isFalse();
        assertThat(exists("bad-value")).isFalse();
    }

    @Test
    void kafkasCompressionLevelJitterTieredStorageAndThrottleConfigsAreAccepted() throws Exception {
        Map<String, String> configs = Map.ofEntries(Map.entry("compression.gzip.level", "5"),
                Map.entry("compression.lz4.level", "17"), Map.entry("compression.zstd.level", "-5"),
                Map.entry("segment.jitter.ms", "100"), Map.entry("leader.replication.throttled.replicas", "0:1,1:1"),
                Map.entry("follower.replication.throttled.replicas", "*"), Map.entry("local.retention.ms", "-2"),
                Map.entry("local.retention.bytes", "1000"), Map.entry("remote.storage.enable", "false"),
                Map.entry("remote.log.copy.disable", "true"), Map.entry("remote.log.delete.on.disable", "true"));

        admin.createTopics(List.of(new NewTopic("kafka-configs", 1, (short) 1).configs(configs))).all().get();

        var resource = new ConfigResource(ConfigResource.Type.TOPIC, "kafka-configs");
        Config described = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        configs.forEach((name, value) -> {
            assertThat(described.get(name).value()).as(name).isEqualTo(value);
            assertThat(described.get(name).source()).as(name).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        });
    }

    @Test
    void kafkasValueRulesOfTheNewerTopicConfigsApply() throws Exception {
        var invalid = List.of(Map.of("compression.gzip.level", "10"), Map.of("compression.gzip.level", "0"),
                Map.of("compression.lz4.level", "18"), Map.of("compression.zstd.level", "23"),
                Map.of("segment.jitter.ms", "-1"), Map.of("leader.replication.throttled.replicas", "0-1"),
                Map.of("follower.replication.throttled.replicas", "*,0:1"), Map.of("local.retention.ms", "-3"),
                Map.of("local.retention.bytes", "-3"), Map.of("remote.log.copy.disable", "yes"),
                // No tiered storage here, as on a Kafka broker with remote.log.storage.system.enable=false.
                Map.of("remote.storage.enable", "true"),
                Map.of("min.compaction.lag.ms", "2000", "max.compaction.lag.ms", "1000"));
        for (int i = 0; i < invalid.size(); i++) {
            String name = "invalid-config-" + i;
            assertThat(failureOf(new NewTopic(name, 1, (short) 1).configs(invalid.get(i))))
                    .as("%s", invalid.get(i)).isInstanceOf(InvalidConfigurationException.class);
            assertThat(exists(name)).isFalse();
        }
    }

    @Test
    void validateOnlyChecksWithoutCreating() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("validate-only", 4, (short) 1)),
                new CreateTopicsOptions().validateOnly(true));
        result.all().get();

        assertThat(result.numPartitions("validate-only").get()).isEqualTo(4);
        assertThat(exists("validate-only")).isFalse();
        Throwable invalid = ((Exception) catchCause(new NewTopic("validate-only", 1, (short) 2),
                new CreateTopicsOptions().validateOnly(true))).getCause();
        assertThat(invalid).isInstanceOf(InvalidReplicationFactorException.class);
    }

    @Test
    void creatingAnExistingTopicIsTopicAlreadyExists() throws Exception {
        admin.createTopics(List.of(new NewTopic("twice", 1, (short) 1))).all().get();

        assertThat(failureOf(new NewTopic("twice", 2, (short) 1))).isInstanceOf(TopicExistsException.class);
        assertThat(admin.describeTopics(List.of("twice")).allTopicNames().get().get("twice").partitions()).hasSize(1);
    }

    @Test
    void oneBadTopicDoesNotFailTheOthersInTheSameRequest() throws Exception {
        CreateTopicsResult result = admin.createTopics(List.of(new NewTopic("good-neighbour", 1, (short) 1),
                new NewTopic("bad neighbour", 1, (short) 1)));

        result.values().get("good-neighbour").get();
        assertThatThrownBy(() -> result.values().get("bad neighbour").get())
                .hasCauseInstanceOf(InvalidTopicException.class);
        assertThat(exists("good-neighbour")).isTrue();
    }

    @Test
    void aRecreatedTopicHasANewIdAndNoneOfTheOldData() throws Exception {
        String topic = "phoenix";
        var partition = new TopicPartition(topic, 0);
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        Uuid oldId = topicId(topic);
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "old-" + i)).get();
            }
        }

        admin.deleteTopics(List.of(topic)).all().get();
        assertThat(exists(topic)).isFalse();
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        Uuid newId = topicId(topic);

        assertThat(newId).isNotEqualTo(oldId);
        assertThat(Files.readString(dataDir.resolve("phoenix-0").resolve("partition.metadata")))
                .contains(newId.toString());
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers())) {
            assertThat(consumer.endOffsets(List.of(partition))).isEqualTo(Map.of(partition, 0L));
        }
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, 0, "k", "new-0")).get();
            assertThat(metadata.offset()).isZero();
        }
        List<ConsumerRecord<String, String>> records = Clients.readExactly(broker.bootstrapServers(), partition, 0, 1);
        assertThat(records).extracting(ConsumerRecord::value).containsExactly("new-0");
    }

    @Test
    void fetchAndProduceByADeletedTopicsIdAreUnknownTopicId() throws Exception {
        String topic = "stale-id";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        Uuid oldId = topicId(topic);
        admin.deleteTopics(List.of(topic)).all().get();
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();

        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            var fetchPartitions = new LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
            fetchPartitions.put(new TopicPartition(topic, 0),
                    new FetchRequest.PartitionData(oldId, 0, -1, 1024, Optional.empty()));
            FetchResponse fetch = wire.send(FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(), 0, 1,
                    fetchPartitions).metadata(FetchMetadata.LEGACY));
            var fetched = fetch.data().responses().get(0);
            assertThat(fetched.topicId()).isEqualTo(oldId);
            assertThat(Errors.forCode(fetched.partitions().get(0).errorCode())).isEqualTo(Errors.UNKNOWN_TOPIC_ID);

            MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)));
            var produceTopic = new ProduceRequestData.TopicProduceData().setName("").setTopicId(oldId)
                    .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                            .setRecords(records)));
            ProduceResponse produce = wire.send(ProduceRequest.builder(new ProduceRequestData().setAcks((short) 1)
                    .setTimeoutMs(10_000)
                    .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(produceTopic).iterator()))));
            var produced = produce.data().responses().iterator().next();
            assertThat(produced.topicId()).isEqualTo(oldId);
            assertThat(Errors.forCode(produced.partitionResponses().get(0).errorCode()))
                    .isEqualTo(Errors.UNKNOWN_TOPIC_ID);
        }
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers())) {
            var partition = new TopicPartition(topic, 0);
            assertThat(consumer.endOffsets(List.of(partition))).isEqualTo(Map.of(partition, 0L));
        }
    }

    @Test
    void deletingUnknownTopicsFailsByNameAndById() {
        assertThatThrownBy(() -> admin.deleteTopics(List.of("never-created")).all().get())
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> admin.deleteTopics(TopicCollection.ofTopicIds(List.of(Uuid.randomUuid()))).all().get())
                .hasCauseInstanceOf(UnknownTopicIdException.class);
    }

    @Test
    void deletingByTopicIdRemovesTheTopic() throws Exception {
        admin.createTopics(List.of(new NewTopic("by-id", 2, (short) 1))).all().get();

        admin.deleteTopics(TopicCollection.ofTopicIds(List.of(topicId("by-id")))).all().get();

        assertThat(exists("by-id")).isFalse();
        assertThat(Files.exists(dataDir.resolve("by-id-0"))).isFalse();
        assertThat(Files.exists(dataDir.resolve("by-id-1"))).isFalse();
    }

    @Test
    void aNameTwiceInCreateTopicsIsInvalidRequestAndNothingOfItIsCreated() throws Exception {
        var data = new CreateTopicsRequestData().setTimeoutMs(10_000);
        for (String name : List.of("given-twice", "given-once", "given-twice", Topic.CLUSTER_METADATA_TOPIC_NAME)) {
            data.topics().add(new CreatableTopic().setName(name).setNumPartitions(1).setReplicationFactor((short) 1));
        }

        CreateTopicsResponse response;
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            response = wire.send(new CreateTopicsRequest.Builder(data));
        }

        assertThat(errors(response)).containsExactlyInAnyOrderEntriesOf(Map.of("given-twice", Errors.INVALID_REQUEST,
                "given-once", Errors.NONE, Topic.CLUSTER_METADATA_TOPIC_NAME, Errors.INVALID_REQUEST));
        assertThat(response.data().topics().find("given-twice").errorMessage()).isEqualTo("Duplicate topic name.");
        assertThat(exists("given-twice")).isFalse();
        assertThat(exists("given-once")).isTrue();
        assertThat(admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get())
                .doesNotContain(Topic.CLUSTER_METADATA_TOPIC_NAME);
    }

    private static Map<String, Errors> errors(CreateTopicsResponse response) {
        var errors = new LinkedHashMap<String, Errors>();
        response.data().topics().forEach(topic -> errors.put(topic.name(), Errors.forCode(topic.errorCode())));
        return errors;
    }

    @Test
    void aTopicTwiceInCreatePartitionsIsInvalidRequestAndNothingOfItIsApplied() throws Exception {
        admin.createTopics(List.of(new NewTopic("grown-twice", 1, (short) 1), new NewTopic("grown-once", 1,
                (short) 1))).all().get();
        var data = new CreatePartitionsRequestData().setTimeoutMs(10_000);
        data.topics().add(new CreatePartitionsTopic().setName("grown-twice").setCount(2));
        data.topics().add(new CreatePartitionsTopic().setName("grown-once").setCount(2));
        data.topics().add(new CreatePartitionsTopic().setName("grown-twice").setCount(3));

        CreatePartitionsResponse response;
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            response = wire.send(new CreatePartitionsRequest.Builder(data));
        }

        var errors = new LinkedHashMap<String, Errors>();
        response.data().results().forEach(result -> errors.put(result.name(), Errors.forCode(result.errorCode())));
        assertThat(response.data().results()).hasSize(2);
        assertThat(errors).containsExactlyInAnyOrderEntriesOf(Map.of("grown-twice", Errors.INVALID_REQUEST,
                "grown-once", Errors.NONE));
        var described = admin.describeTopics(List.of("grown-twice", "grown-once")).allTopicNames().get();
        assertThat(described.get("grown-twice").partitions()).hasSize(1);
        assertThat(described.get("grown-once").partitions()).hasSize(2);
    }

    @Test
    void deleteTopicsRefusesNamesOrIdsTwiceBothOrNeitherAndDeletesTheRest() throws Exception {
        for (String name : List.of("deleted-twice", "named-and-id", "named-then-id", "plainly-deleted")) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        }
        Uuid bothId = topicId("named-and-id");
        Uuid laterId = topicId("named-then-id");
        Uuid plainId = topicId("plainly-deleted");
        var data = new DeleteTopicsRequestData().setTimeoutMs(10_000).setTopics(List.of(
                new DeleteTopicState().setName("deleted-twice"),
                new DeleteTopicState().setName("named-and-id").setTopicId(bothId),
                new DeleteTopicState(),
                new DeleteTopicState().setName("named-then-id"),
                new DeleteTopicState().setTopicId(laterId),
                new DeleteTopicState().setName("plainly-deleted"),
                new DeleteTopicState().setName("deleted-twice")));

        DeleteTopicsResponse response;
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            response = wire.send(new DeleteTopicsRequest.Builder(data), (short) 6);
        }

        var answers = response.data().responses().stream()
                .map(r -> r.name() + " " + r.topicId() + " " + Errors.forCode(r.errorCode())).toList();
        assertThat(answers).containsExactlyInAnyOrder(
                "deleted-twice " + Uuid.ZERO_UUID + " INVALID_REQUEST",
                "named-and-id " + bothId + " INVALID_REQUEST",
                "null " + Uuid.ZERO_UUID + " INVALID_REQUEST",
                // The name maps to an id also given: the name is refused, the id is not answered, nothing deleted.
                "named-then-id " + laterId + " INVALID_REQUEST",
                "plainly-deleted " + plainId + " NONE");
        assertThat(admin.listTopics().names().get()).contains("deleted-twice", "named-and-id", "named-then-id")
                .doesNotContain("plainly-deleted");
    }

    @Test
    void withTopicDeletionDisabledDeleteTopicsIsRefusedAsKafkaRefusesItPerVersion(@TempDir Path disabledDir)
            throws Exception {
        try (TestBroker disabled = TestBroker.start(disabledDir, Map.of("delete.topic.enable", "false"));
             Admin disabledAdmin = Clients.admin(disabled.bootstrapServers());
             WireClient wire = WireClient.connect(disabled.bootstrapServers())) {
            disabledAdmin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            var data = new DeleteTopicsRequestData().setTimeoutMs(10_000).setTopicNames(List.of("kept", "unknown"));

            // TOPIC_DELETION_DISABLED exists from v3 on; older versions get INVALID_REQUEST.
            for (short version = 1; version <= 6; version++) {
                DeleteTopicsResponse response = wire.send(new DeleteTopicsRequest.Builder(data.duplicate()), version);
                Errors expected = version < 3 ? Errors.INVALID_REQUEST : Errors.TOPIC_DELETION_DISABLED;
                assertThat(response.data().responses()).as("v%d", version).hasSize(2)
                        .allSatisfy(r -> assertThat(Errors.forCode(r.errorCode())).isEqualTo(expected));
            }
            assertThat(disabledAdmin.listTopics().names().get()).contains("kept");
        }
    }

    @Test
    void addedPartitionsTakeRecordsAndAppearInMetadata() throws Exception {
        String topic = "grow";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of("metadata.max.age.ms", 300))) {
            assertThat(producer.partitionsFor(topic)).hasSize(1);

            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get();

            assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.partitionsFor(topic).size() == 3);
            for (int partition = 0; partition < 3; partition++) {
                RecordMetadata metadata = producer.send(new ProducerRecord<>(topic, partition, "k", "p" + partition))
                        .get();
                assertThat(metadata.partition()).isEqualTo(partition);
                assertThat(metadata.offset()).isZero();
            }
        }
        for (int partition = 1; partition < 3; partition++) {
            assertThat(Clients.readExactly(broker.bootstrapServers(), new TopicPartition(topic, partition), 0, 1))
                    .extracting(ConsumerRecord::value).containsExactly("p" + partition);
        }
    }

    @Test
    void decreasingOrKeepingThePartitionCountIsInvalidPartitionsPerTopic() throws Exception {
        admin.createTopics(List.of(new NewTopic("shrink", 3, (short) 1), new NewTopic("expand", 1, (short) 1)))
                .all().get();

        CreatePartitionsResult result = admin.createPartitions(Map.of(
                "shrink", NewPartitions.increaseTo(2),
                "expand", NewPartitions.increaseTo(2),
                "missing", NewPartitions.increaseTo(2)));

        assertThatThrownBy(() -> result.values().get("shrink").get())
                .hasCauseInstanceOf(InvalidPartitionsException.class);
        result.values().get("expand").get();
        assertThatThrownBy(() -> result.values().get("missing").get())
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        assertThatThrownBy(() -> admin.createPartitions(Map.of("shrink", NewPartitions.increaseTo(3))).all().get())
                .hasCauseInstanceOf(InvalidPartitionsException.class);
        var described = admin.describeTopics(List.of("shrink", "expand")).allTopicNames().get();
        assertThat(described.get("shrink").partitions()).hasSize(3);
        assertThat(described.get("expand").partitions()).hasSize(2);
    }
}
