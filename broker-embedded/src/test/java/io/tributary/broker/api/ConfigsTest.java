package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.AlterConfigsResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeConfigs, IncrementalAlterConfigs and the legacy AlterConfigs for topics and broker-level defaults, with
 * their effect on retention. The broker sets {@code log.segment.bytes} statically and checks retention every
 * 200 ms, so a config change shows up as records disappearing.
 */
class ConfigsTest {
    private static final String STATIC_SEGMENT_BYTES = "2097152";
    private static final ConfigResource CLUSTER_DEFAULT = new ConfigResource(ConfigResource.Type.BROKER, "");
    private static final ConfigResource THIS_BROKER = new ConfigResource(ConfigResource.Type.BROKER, "1");

    @TempDir
    static Path dataDir;

    private static TestBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dataDir, Map.of("log.segment.bytes", STATIC_SEGMENT_BYTES,
                "log.retention.check.interval.ms", "200"));
        admin = Clients.admin(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }

    private static void createTopic(String name, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get();
    }

    private static Config describe(ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource), new DescribeConfigsOptions().includeSynonyms(true)).all()
                .get().get(resource);
    }

    private static void alter(ConfigResource resource, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).all().get();
    }

    private static AlterConfigOp op(String name, String value, OpType type) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }

    private static List<String> synonyms(ConfigEntry entry) {
        return entry.synonyms().stream().map(s -> s.source() + " " + s.name() + "=" + s.value()).toList();
    }

    /** Sends {@code count} records stamped an hour ago, in several segments. */
    private static void produceHourOldRecords(String topic, int count) throws Exception {
        long hourAgo = System.currentTimeMillis() - 3_600_000;
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, hourAgo, "k" + i, "v" + i)).get();
            }
        }
    }

    private static long logStartOffset(String topic) {
        var partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers())) {
            return consumer.beginningOffsets(List.of(partition)).get(partition);
        }
    }

    @Test
    void describeConfigsReturnsEveryTopicConfigWithItsSourceAndSynonyms() throws Exception {
        createTopic("described", Map.of("retention.ms", "123456"));

        Config config = describe(topic("described"));

        assertThat(config.entries()).extracting(ConfigEntry::name)
                .containsExactlyInAnyOrderElementsOf(LogConfig.keys().stream().map(LogConfig.Key::name).toList());
        ConfigEntry retention = config.get("retention.ms");
        assertThat(retention.value()).isEqualTo("123456");
        assertThat(retention.source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(retention.isReadOnly()).isFalse();
        assertThat(retention.isSensitive()).isFalse();
        assertThat(retention.type()).isEqualTo(ConfigEntry.ConfigType.LONG);
        // log.retention.ms has no default, so no DEFAULT_CONFIG synonym follows the override (as in Kafka).
        assertThat(synonyms(retention)).containsExactly("DYNAMIC_TOPIC_CONFIG retention.ms=123456");

        ConfigEntry segmentBytes = config.get("segment.bytes");
        assertThat(segmentBytes.value()).isEqualTo(STATIC_SEGMENT_BYTES);
        assertThat(segmentBytes.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(synonyms(segmentBytes)).containsExactly(
                "STATIC_BROKER_CONFIG log.segment.bytes=" + STATIC_SEGMENT_BYTES,
                "DEFAULT_CONFIG log.segment.bytes=1073741824");

        ConfigEntry cleanupPolicy = config.get("cleanup.policy");
        assertThat(cleanupPolicy.value()).isEqualTo("delete");
        assertThat(cleanupPolicy.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(cleanupPolicy.type()).isEqualTo(ConfigEntry.ConfigType.LIST);
        assertThat(config.get("message.timestamp.type").value()).isEqualTo("CreateTime");
    }

    @Test
    void retentionSegmentAndFlushMsHaveNoSynonymWhileTheirBrokerPropertiesAreUnset() throws Exception {
        createTopic("unset-broker-properties", Map.of());

        Config topic = describe(topic("unset-broker-properties"));
        Config broker = describe(THIS_BROKER);

        // Kafka's log.retention.ms, log.roll.ms and log.flush.interval.ms have no default; their values come from
        // log.retention.hours, log.roll.hours and Kafka's flush default, which are not synonyms of the topic config.
        for (String name : List.of("retention.ms", "segment.ms", "flush.ms")) {
            assertThat(topic.get(name).source()).as(name).isEqualTo(ConfigSource.DEFAULT_CONFIG);
            assertThat(topic.get(name).synonyms()).as(name).isEmpty();
        }
        assertThat(topic.get("retention.ms").value()).isEqualTo("604800000");
        assertThat(topic.get("segment.ms").value()).isEqualTo("604800000");
        assertThat(topic.get("flush.ms").value()).isEqualTo(String.valueOf(Long.MAX_VALUE));
        for (String name : List.of("log.retention.ms", "log.roll.ms", "log.flush.interval.ms")) {
            assertThat(broker.get(name).value()).as(name).isNull();
            assertThat(broker.get(name).source()).as(name).isEqualTo(ConfigSource.DEFAULT_CONFIG);
            assertThat(broker.get(name).synonyms()).as(name).isEmpty();
        }
        assertThat(synonyms(broker.get("log.retention.hours"))).containsExactly(
                "DEFAULT_CONFIG log.retention.hours=168");
    }

    @Test
    void kafkasNewerTopicConfigsAreDescribedWithKafkasDefaultsAndSynonyms() throws Exception {
        createTopic("newer-configs", Map.of("compression.zstd.level", "7"));

        Config config = describe(topic("newer-configs"));

        assertThat(synonyms(config.get("compression.zstd.level"))).containsExactly(
                "DYNAMIC_TOPIC_CONFIG compression.zstd.level=7", "DEFAULT_CONFIG compression.zstd.level=3");
        assertThat(synonyms(config.get("compression.gzip.level"))).containsExactly(
                "DEFAULT_CONFIG compression.gzip.level=-1");
        assertThat(synonyms(config.get("compression.lz4.level"))).containsExactly(
                "DEFAULT_CONFIG compression.lz4.level=9");
        assertThat(synonyms(config.get("local.retention.ms"))).containsExactly(
                "DEFAULT_CONFIG log.local.retention.ms=-2");
        assertThat(synonyms(config.get("local.retention.bytes"))).containsExactly(
                "DEFAULT_CONFIG log.local.retention.bytes=-2");
        // log.roll.jitter.ms has no default (log.roll.jitter.hours does); the rest have no broker property at all.
        var noSynonym = Map.of("segment.jitter.ms", "0", "remote.storage.enable", "false",
                "remote.log.copy.disable", "false", "remote.log.delete.on.disable", "false",
                "leader.replication.throttled.replicas", "", "follower.replication.throttled.replicas", "");
        noSynonym.forEach((name, value) -> {
            ConfigEntry entry = config.get(name);
            assertThat(entry.value()).as(name).isEqualTo(value);
            assertThat(entry.source()).as(name).isEqualTo(ConfigSource.DEFAULT_CONFIG);
            assertThat(entry.synonyms()).as(name).isEmpty();
        });
        assertThat(config.get("leader.replication.throttled.replicas").type())
                .isEqualTo(ConfigEntry.ConfigType.LIST);
    }

    @Test
    void remoteStorageCannotBeEnabledOnABrokerWithoutTieredStorage() throws Exception {
        createTopic("not-tiered", Map.of());

        assertThatThrownBy(() -> alter(topic("not-tiered"), op("remote.storage.enable", "true", OpType.SET)))
                .hasCauseInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("Tiered Storage functionality is disabled in the broker");
        alter(topic("not-tiered"), op("remote.log.copy.disable", "true", OpType.SET),
                op("local.retention.ms", "1000", OpType.SET));

        Config config = describe(topic("not-tiered"));
        assertThat(config.get("remote.storage.enable").value()).isEqualTo("false");
        assertThat(config.get("remote.log.copy.disable").value()).isEqualTo("true");
        assertThat(config.get("local.retention.ms").source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
    }

    @Test
    void describeConfigsOfAnUnknownTopicFails() {
        assertThatThrownBy(() -> describe(topic("no-such-topic")))
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void describeBrokerConfigsShowsStaticOverridesAndDefaults() throws Exception {
        Config config = describe(THIS_BROKER);

        ConfigEntry segmentBytes = config.get("log.segment.bytes");
        assertThat(segmentBytes.value()).isEqualTo(STATIC_SEGMENT_BYTES);
        assertThat(segmentBytes.source()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(synonyms(segmentBytes)).last().isEqualTo("DEFAULT_CONFIG log.segment.bytes=1073741824");
        // The test broker runs 4 request threads; Kafka's default is 8.
        assertThat(synonyms(config.get("num.io.threads"))).containsExactly("STATIC_BROKER_CONFIG num.io.threads=4",
                "DEFAULT_CONFIG num.io.threads=8");
        assertThat(config.get("num.partitions").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(config.get("num.partitions").isReadOnly()).isTrue();
        assertThat(config.get("log.retention.ms").isReadOnly()).isFalse();
    }

    @Test
    void incrementalSetAndDeleteChangeATopicOverride() throws Exception {
        createTopic("set-delete", Map.of());

        alter(topic("set-delete"), op("retention.ms", "5000", OpType.SET), op("max.message.bytes", "2048", OpType.SET));
        Config afterSet = describe(topic("set-delete"));
        assertThat(afterSet.get("retention.ms").value()).isEqualTo("5000");
        assertThat(afterSet.get("retention.ms").source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(afterSet.get("max.message.bytes").value()).isEqualTo("2048");

        alter(topic("set-delete"), op("retention.ms", null, OpType.DELETE));
        Config afterDelete = describe(topic("set-delete"));
        assertThat(afterDelete.get("retention.ms").value()).isEqualTo("604800000");
        assertThat(afterDelete.get("retention.ms").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(afterDelete.get("max.message.bytes").value()).isEqualTo("2048");
    }

    @Test
    void incrementalAppendAndSubtractEditListConfigs() throws Exception {
        createTopic("lists", Map.of());

        alter(topic("lists"), op("cleanup.policy", "compact", OpType.APPEND));
        assertThat(describe(topic("lists")).get("cleanup.policy").value()).isEqualTo("delete,compact");

        alter(topic("lists"), op("cleanup.policy", "delete", OpType.SUBTRACT));
        assertThat(describe(topic("lists")).get("cleanup.policy").value()).isEqualTo("compact");

        assertThatThrownBy(() -> alter(topic("lists"), op("retention.ms", "1", OpType.APPEND)))
                .hasCauseInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void invalidIncrementalChangesAreRefusedAndChangeNothing() throws Exception {
        createTopic("refused", Map.of("retention.ms", "100000"));

        assertThatThrownBy(() -> alter(topic("refused"), op("retention.ms", "often", OpType.SET)))
                .hasCauseInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> alter(topic("refused"), op("no.such.config", "1", OpType.SET)))
                .hasCauseInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> alter(topic("missing-topic"), op("retention.ms", "1", OpType.SET)))
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        admin.incrementalAlterConfigs(Map.of(topic("refused"), List.of(op("retention.ms", "1", OpType.SET))),
                new AlterConfigsOptions().validateOnly(true)).all().get();

        assertThat(describe(topic("refused")).get("retention.ms").value()).isEqualTo("100000");
    }

    @Test
    void duplicateKeysOrNullValuesAreInvalidRequest() throws Exception {
        createTopic("malformed", Map.of());

        assertThatThrownBy(() -> alter(topic("malformed"), op("retention.ms", "1000", OpType.SET),
                op("retention.ms", null, OpType.DELETE))).hasCauseInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> alter(topic("malformed"), op("retention.ms", null, OpType.SET)))
                .hasCauseInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> alter(CLUSTER_DEFAULT, op("log.retention.ms", null, OpType.SET)))
                .hasCauseInstanceOf(InvalidRequestException.class);
        // kafka-clients cannot build a legacy entry without a value; other clients can send one.
        var nullValue = new AlterConfigsRequestData();
        var resource = new AlterConfigsRequestData.AlterConfigsResource()
                .setResourceType(ConfigResource.Type.TOPIC.id()).setResourceName("malformed");
        resource.configs().add(new AlterConfigsRequestData.AlterableConfig().setName("retention.ms").setValue(null));
        nullValue.resources().add(resource);
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            AlterConfigsResponse legacy = wire.send(new AbstractRequest.Builder<AlterConfigsRequest>(
                    ApiKeys.ALTER_CONFIGS) {
                @Override
                public AlterConfigsRequest build(short version) {
                    return new AlterConfigsRequest(nullValue, version);
                }
            });
            assertThat(legacy.errors().get(topic("malformed")).error()).isEqualTo(Errors.INVALID_REQUEST);
        }

        assertThat(describe(topic("malformed")).get("retention.ms").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void loweringRetentionMsDeletesOldRecordsInTheBackground() throws Exception {
        createTopic("shrinking", Map.of("segment.bytes", "300"));
        produceHourOldRecords("shrinking", 12);
        assertThat(logStartOffset("shrinking")).isZero();

        alter(topic("shrinking"), op("retention.ms", "60000", OpType.SET));

        await().atMost(Duration.ofSeconds(10)).until(() -> logStartOffset("shrinking") == 12);
    }

    @Test
    void brokerDefaultsApplyToTopicsWithoutTheirOwnOverride() throws Exception {
        createTopic("follows-broker", Map.of("segment.bytes", "300"));
        createTopic("pinned", Map.of("segment.bytes", "300", "retention.ms", "-1"));
        produceHourOldRecords("follows-broker", 6);
        produceHourOldRecords("pinned", 6);
        try {
            alter(CLUSTER_DEFAULT, op("log.retention.ms", "60000", OpType.SET));

            await().atMost(Duration.ofSeconds(10)).until(() -> logStartOffset("follows-broker") == 6);
            ConfigEntry followed = describe(topic("follows-broker")).get("retention.ms");
            assertThat(followed.value()).isEqualTo("60000");
            assertThat(followed.source()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
            assertThat(describe(topic("pinned")).get("retention.ms").value()).isEqualTo("-1");
            assertThat(logStartOffset("pinned")).isZero();

            // A per-broker value wins over the cluster-wide default.
            alter(THIS_BROKER, op("log.retention.ms", "120000", OpType.SET));
            ConfigEntry perBroker = describe(topic("follows-broker")).get("retention.ms");
            assertThat(perBroker.value()).isEqualTo("120000");
            assertThat(perBroker.source()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
            // After its own values, log.retention.ms lists the default of the one it falls back to (Kafka's order).
            assertThat(synonyms(perBroker)).containsExactly(
                    "DYNAMIC_BROKER_CONFIG log.retention.ms=120000",
                    "DYNAMIC_DEFAULT_BROKER_CONFIG log.retention.ms=60000",
                    "DEFAULT_CONFIG log.retention.hours=168");
            assertThat(describe(THIS_BROKER).get("log.retention.ms").source())
                    .isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
            assertThat(describe(CLUSTER_DEFAULT).get("log.retention.ms").value()).isEqualTo("60000");
        } finally {
            alter(THIS_BROKER, op("log.retention.ms", null, OpType.DELETE));
            alter(CLUSTER_DEFAULT, op("log.retention.ms", null, OpType.DELETE));
        }
        ConfigEntry restored = describe(topic("follows-broker")).get("retention.ms");
        assertThat(restored.value()).isEqualTo("604800000");
        assertThat(restored.source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void brokerConfigsThatAreNotDynamicAreRefused() {
        assertThatThrownBy(() -> alter(THIS_BROKER, op("num.io.threads", "2", OpType.SET)))
                .hasCauseInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> alter(CLUSTER_DEFAULT, op("log.retention.ms", "-5", OpType.SET)))
                .hasCauseInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void legacyAlterConfigsReplacesEveryOverrideOfTheTopic() throws Exception {
        createTopic("legacy", Map.of("segment.ms", "3600000", "retention.ms", "100000"));

        Collection<AlterConfigsRequest.ConfigEntry> entries = List.of(
                new AlterConfigsRequest.ConfigEntry("retention.ms", "5000"),
                new AlterConfigsRequest.ConfigEntry("cleanup.policy", "compact"));
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            AlterConfigsResponse response = wire.send(new AlterConfigsRequest.Builder(
                    Map.of(topic("legacy"), new AlterConfigsRequest.Config(entries)), false));
            assertThat(response.errors().get(topic("legacy")).error()).isEqualTo(Errors.NONE);

            AlterConfigsResponse invalid = wire.send(new AlterConfigsRequest.Builder(Map.of(topic("legacy"),
                    new AlterConfigsRequest.Config(List.of(new AlterConfigsRequest.ConfigEntry("retention.ms", "x")))),
                    false));
            assertThat(invalid.errors().get(topic("legacy")).error()).isEqualTo(Errors.INVALID_CONFIG);
        }

        Config config = describe(topic("legacy"));
        assertThat(config.get("retention.ms").value()).isEqualTo("5000");
        assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(config.get("segment.ms").value()).isEqualTo("604800000");
        assertThat(config.get("segment.ms").source()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
    }
}
