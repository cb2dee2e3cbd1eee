package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin API of librdkafka 2.15 ({@code Kafka.AdminClient} of Confluent's JavaScript client,
 * {@code interop/confluent-js/scenarios/admin.js}) side by side with Apache Kafka ({@link SideBySide}): topics
 * (create with configs and every way creating fails, describe, delete, add partitions), consumer groups (list,
 * describe, committed offsets, delete), ListOffsets under both isolation levels and DeleteRecords. Broker answers
 * are compared by error code; the client's validate-only option is not exposed by this binding.
 */
class LibrdkafkaAdminInteropTest {
    @RegisterExtension
    static final SideBySide brokers = new SideBySide();

    @Test
    void createTopicsAppliesConfigsAndRejectsEveryInvalidTopic() throws Exception {
        assertThat(brokers.run("admin", "create-topics")).containsExactly(
                "create configured ok",
                "create configured again error 36",
                "create with a space error 17",
                "create dot-dot error 17",
                "create 250 characters error 17",
                "create replication factor 2 error 38",
                "create 0 partitions error 37",
                "create unknown config error 40",
                "create bad config value error 40",
                "create defaults ok",
                "configured partitions 3",
                "defaults partitions 1 replicas 1",
                "after failed create replicated error 3",
                "after failed create bad-config error 3",
                "produce 100 bytes offset 0",
                "produce 3000 bytes error 10",
                "produce keyless to compacted error 87");

        // The same overrides as DescribeConfigs shows them, through the Java Admin, on both brokers.
        for (String bootstrap : List.of(brokers.tributary().bootstrapServers(),
                brokers.kafka().bootstrapServers())) {
            Map<String, ConfigEntry> configs = topicConfigs(bootstrap, "-admin-configured");
            assertThat(configs.get("cleanup.policy").value()).as(bootstrap).isEqualTo("compact");
            assertThat(configs.get("retention.ms").value()).as(bootstrap).isEqualTo("3600000");
            assertThat(configs.get("max.message.bytes").value()).as(bootstrap).isEqualTo("2000");
            for (String name : List.of("cleanup.policy", "retention.ms", "max.message.bytes")) {
                assertThat(configs.get(name).source()).as(bootstrap + " " + name)
                        .isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
            }
            assertThat(configs.get("segment.bytes").value()).as(bootstrap).isEqualTo("1073741824");
            assertThat(configs.get("segment.bytes").source()).as(bootstrap).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        }
    }

    @Test
    void createTopicsAcceptsEveryTopicConfigOfKafka() throws Exception {
        var expected = new ArrayList<String>();
        for (String accepted : List.of("cleanup.policy=compact,delete", "compression.type=zstd",
                "compression.gzip.level=5", "compression.lz4.level=5", "compression.zstd.level=5",
                "delete.retention.ms=1000", "file.delete.delay.ms=1000", "flush.messages=10", "flush.ms=1000",
                "follower.replication.throttled.replicas=0:1", "index.interval.bytes=8192",
                "leader.replication.throttled.replicas=0:1", "local.retention.bytes=-2", "local.retention.ms=-2",
                "max.compaction.lag.ms=100000", "max.message.bytes=100000", "message.timestamp.after.max.ms=1000",
                "message.timestamp.before.max.ms=1000", "message.timestamp.type=LogAppendTime",
                "min.cleanable.dirty.ratio=0.1", "min.compaction.lag.ms=1000", "min.insync.replicas=1",
                "preallocate=true", "remote.log.copy.disable=false", "remote.log.delete.on.disable=false",
                "remote.storage.enable=false", "retention.bytes=1000000", "retention.ms=100000",
                "segment.bytes=2000000", "segment.index.bytes=100000", "segment.jitter.ms=100", "segment.ms=100000",
                "unclean.leader.election.enable=true")) {
            expected.add(accepted + " ok");
        }
        // Removed in Kafka 4.0 (KIP-724, KIP-937): unknown now.
        expected.addAll(List.of("message.downconversion.enable=true error 40", "message.format.version=3.0 error 40",
                "message.timestamp.difference.max.ms=1000 error 40"));

        assertThat(brokers.run("admin", "topic-configs")).containsExactlyElementsOf(expected);
    }

    /** The configs of the one topic whose name ends with {@code suffix} (the run's prefix comes before it). */
    private static Map<String, ConfigEntry> topicConfigs(String bootstrap, String suffix) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            String topic = admin.listTopics().names().get().stream().filter(name -> name.endsWith(suffix))
                    .findFirst().orElseThrow();
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            return config.entries().stream().collect(Collectors.toMap(ConfigEntry::name, entry -> entry));
        }
    }

    @Test
    void describeTopicsShowsPartitionsLeadersReplicasAndAuthorizedOperations() throws Exception {
        assertThat(brokers.run("admin", "describe-topics")).containsExactly(
                "topic described internal false partitions 3",
                "partition 0 leader 1 replicas 1 isr 1",
                "partition 1 leader 1 replicas 1 isr 1",
                "partition 2 leader 1 replicas 1 isr 1",
                "topic described error 0 partitions 3",
                "topic missing error 3 partitions 0",
                "authorized operations ALTER,ALTER_CONFIGS,CREATE,DELETE,DESCRIBE,DESCRIBE_CONFIGS,READ,WRITE");
    }

    @Test
    void deleteTopicsRemovesTheTopicAndFreesItsName() throws Exception {
        assertThat(brokers.run("admin", "delete-topics")).containsExactly(
                "produce offset 0",
                "delete ok",
                "describe deleted error 3",
                "delete missing error 3",
                "delete deleted again error 3",
                "create again ok",
                "recreated latest 0");
    }

    @Test
    void createPartitionsOnlyGrowsATopic() throws Exception {
        assertThat(brokers.run("admin", "create-partitions")).containsExactly(
                "grow to 4 ok",
                "partition 0 leader 1 replicas 1 isr 1",
                "partition 1 leader 1 replicas 1 isr 1",
                "partition 2 leader 1 replicas 1 isr 1",
                "partition 3 leader 1 replicas 1 isr 1",
                "shrink to 3 error 37",
                "grow to 4 again error 37",
                "grow missing error 3",
                "produce to partition 3 offset 0");
    }

    @Test
    void groupsAreListedDescribedAndOnlyEmptyOnesDeleted() throws Exception {
        assertThat(brokers.run("admin", "groups")).containsExactly(
                "consumed 4",
                "listed group-active state STABLE type CLASSIC protocol type consumer simple false",
                "listed group-left state EMPTY type CLASSIC protocol type consumer simple false",
                "listed empty group-left",
                "described group-left state EMPTY type CLASSIC protocol type consumer protocol - members 0 error 0",
                "described group-active state STABLE type CLASSIC protocol type consumer protocol range members 1"
                        + " error 0",
                "member client tributary-interop host /127.0.0.1 assigned grouped:0,grouped:1",
                "described group-missing state DEAD type CLASSIC protocol type simple protocol - members 0 error 0",
                "offsets group-left error 0",
                "committed grouped:0 offset 3 metadata first error 0",
                "committed grouped:1 offset 1 metadata second error 0",
                "committed chosen grouped:1 offset 1 error 0",
                "committed chosen never:0 offset -1001 error 0",
                "delete group-left error 0",
                "delete group-active error 68",
                "delete group-missing error 69",
                "listed after delete group-active");
    }

    @Test
    void describeGroupsReportsTheOperationsAGroupSupports() throws Exception {
        // Kafka without an authorizer answers AclEntry.supportedOperations(GROUP), which since KIP-848's group
        // configs includes DESCRIBE_CONFIGS and ALTER_CONFIGS.
        assertThat(brokers.run("admin", "group-operations")).containsExactly(
                "group-operated state STABLE authorized operations"
                        + " ALTER_CONFIGS,DELETE,DESCRIBE,DESCRIBE_CONFIGS,READ");
    }

    @Test
    void listOffsetsByPositionAndTimestampUnderBothIsolationLevels() throws Exception {
        assertThat(brokers.run("admin", "list-offsets")).containsExactly(
                "earliest offset 0",
                "latest offset 3",
                "max timestamp offset 1 timestamp 1700000010000",
                "timestamp +0 offset 0 timestamp 1700000000000",
                "timestamp +4000 offset 1 timestamp 1700000010000",
                "timestamp +5000 offset 1 timestamp 1700000010000",
                "timestamp +10001 offset -1 timestamp -1",
                "open latest uncommitted offset 5",
                "open latest committed offset 3",
                "open max timestamp uncommitted offset 4 timestamp 1700000030000",
                // The largest timestamp lies in the open transaction: none under read_committed (Tributary once
                // answered the largest among the stable records).
                "open max timestamp committed offset -1 timestamp -1",
                "open timestamp +20000 uncommitted offset 3 timestamp 1700000020000",
                "open timestamp +20000 committed offset -1 timestamp -1",
                "committed latest uncommitted offset 6",
                "committed latest committed offset 6",
                "committed timestamp +20000 committed offset 3 timestamp 1700000020000",
                "committed max timestamp committed offset 5",
                "unknown topic error -156");
    }

    @Test
    void deleteRecordsMovesTheEarliestOffsetUpToTheHighWatermark() throws Exception {
        assertThat(brokers.run("admin", "delete-records")).containsExactly(
                "delete before 2 low watermark 2",
                "earliest 2",
                "read from the beginning 2:v2 3:v3 4:v4",
                "delete before 1 low watermark 2",
                "delete before 6 error 1",
                "earliest 2",
                "delete before end low watermark 5",
                "earliest 5",
                "delete in unknown topic error -156");
    }
}
