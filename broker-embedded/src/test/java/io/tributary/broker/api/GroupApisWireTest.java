package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group APIs' answers to requests real clients rarely send: batched and unknown coordinator key types, group
 * requests before {@code __consumer_offsets} exists, commits for missing topics, older versions, and writes to the
 * internal topic. Sent as raw Kafka requests so the exact error code is checked.
 */
class GroupApisWireTest {
    @TempDir
    Path dataDir;

    @Test
    void findCoordinatorAnswersEachKeyAndCreatesTheOffsetsTopic() {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("offsets.topic.num.partitions", "4"));
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            FindCoordinatorResponse batched = wire.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("a", "b"))));
            assertThat(batched.data().coordinators()).extracting(c -> c.key() + ":" + c.nodeId() + ":" + c.port()
                    + ":" + Errors.forCode(c.errorCode())).containsExactly("a:1:" + broker.broker().port() + ":NONE",
                    "b:1:" + broker.broker().port() + ":NONE");

            FindCoordinatorResponse single = wire.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKeyType((byte) 1).setKey("txn-1")), (short) 3);
            assertThat(single.error()).isEqualTo(Errors.NONE);
            assertThat(single.data().nodeId()).isEqualTo(1);

            FindCoordinatorResponse share = wire.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKeyType((byte) 2).setCoordinatorKeys(List.of("x"))), (short) 6);
            assertThat(Errors.forCode(share.data().coordinators().get(0).errorCode()))
                    .isEqualTo(Errors.INVALID_REQUEST);

            MetadataResponse metadata = wire.send(new MetadataRequest.Builder(new MetadataRequestData()
                    .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                            .setName(Topic.GROUP_METADATA_TOPIC_NAME)))));
            var offsetsTopic = metadata.data().topics().find(Topic.GROUP_METADATA_TOPIC_NAME);
            assertThat(offsetsTopic.isInternal()).isTrue();
            assertThat(offsetsTopic.partitions()).hasSize(4);
        }
    }

    /**
     * As Apache Kafka 4.3.1 answers (KafkaApis.getCoordinator, checked side by side): the empty key is a key like any
     * other; the share key type is INVALID_REQUEST before v6 or for a key that is not groupId:topicId:partition, and
     * COORDINATOR_NOT_AVAILABLE otherwise (a single Kafka node cannot create __share_group_state, whose replication
     * factor is 3; we have no share coordinator); an unknown key type fails every key with INVALID_REQUEST.
     */
    @Test
    void findCoordinatorServesTheEmptyKeyAndAnswersShareAndUnknownKeyTypesAsKafka() {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            for (byte keyType : new byte[] {0, 1}) {
                FindCoordinatorResponse single = wire.send(new FindCoordinatorRequest.Builder(
                        new FindCoordinatorRequestData().setKeyType(keyType).setKey("")), (short) 3);
                assertThat(single.error()).isEqualTo(Errors.NONE);
                assertThat(single.data().nodeId()).isEqualTo(1);
                assertThat(single.data().errorMessage()).isEqualTo("NONE");
                assertThat(answers(wire, keyType, (short) 4, "", "a")).containsExactly(":NONE:1", "a:NONE:1");
            }

            String share = "g:" + Uuid.randomUuid() + ":0";
            String trailingColon = "g:" + Uuid.randomUuid() + ":0:";
            String noGroup = " :" + Uuid.randomUuid() + ":0";
            assertThat(answers(wire, (byte) 2, (short) 6, share, trailingColon, "bad", noGroup, "g:no-id:0"))
                    .containsExactly(share + ":COORDINATOR_NOT_AVAILABLE:-1",
                            trailingColon + ":COORDINATOR_NOT_AVAILABLE:-1", "bad:INVALID_REQUEST:-1",
                            noGroup + ":INVALID_REQUEST:-1", "g:no-id:0:INVALID_REQUEST:-1");
            assertThat(answers(wire, (byte) 2, (short) 5, share)).containsExactly(share + ":INVALID_REQUEST:-1");
            assertThat(answers(wire, (byte) 9, (short) 4, "a", "b")).containsExactly("a:INVALID_REQUEST:-1",
                    "b:INVALID_REQUEST:-1");
            FindCoordinatorResponse unknownType = wire.send(new FindCoordinatorRequest.Builder(
                    new FindCoordinatorRequestData().setKeyType((byte) 9).setKey("a")), (short) 3);
            assertThat(unknownType.error()).isEqualTo(Errors.INVALID_REQUEST);
            assertThat(unknownType.data().errorMessage()).isEqualTo(Errors.INVALID_REQUEST.message());
        }
    }

    /** Each coordinator of a FindCoordinator v4+ answer as key:error:node. */
    private static List<String> answers(WireClient wire, byte keyType, short version, String... keys) {
        FindCoordinatorResponse response = wire.send(new FindCoordinatorRequest.Builder(
                new FindCoordinatorRequestData().setKeyType(keyType).setCoordinatorKeys(List.of(keys))), version);
        return response.data().coordinators().stream().map(c -> c.key() + ":" + Errors.forCode(c.errorCode()) + ":"
                + c.nodeId()).toList();
    }

    @Test
    void clientsCannotProduceToTheOffsetsTopic() {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("g"))));
            var data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
            var topic = new ProduceRequestData.TopicProduceData().setName(Topic.GROUP_METADATA_TOPIC_NAME);
            topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("k".getBytes(),
                            "forged".getBytes()))));
            data.topicData().add(topic);
            ProduceResponse response = wire.send(ProduceRequest.builder(data), (short) 12);
            assertThat(Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0)
                    .errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
        }
    }

    @Test
    void groupRequestsBeforeTheOffsetsTopicExistAskClientsToRetry() {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            JoinGroupResponse join = wire.send(new JoinGroupRequest.Builder(joinRequest("g")));
            assertThat(join.error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        }
    }

    @Test
    void joinGroupBeforeV4JoinsWithoutTheMemberIdRoundTrip() {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("group.initial.rebalance.delay.ms", "0"));
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("old"))));
            JoinGroupResponse v3 = wire.send(new JoinGroupRequest.Builder(joinRequest("old")), (short) 3);
            assertThat(v3.error()).isEqualTo(Errors.NONE);
            assertThat(v3.data().generationId()).isEqualTo(1);
            assertThat(v3.data().leader()).isEqualTo(v3.data().memberId());

            JoinGroupResponse v9 = wire.send(new JoinGroupRequest.Builder(joinRequest("new")), (short) 9);
            assertThat(v9.error()).isEqualTo(Errors.MEMBER_ID_REQUIRED);
            assertThat(v9.data().memberId()).isNotEmpty();
        }
    }

    @Test
    void offsetCommitAnswersMissingTopicsAndPartitionsPerPartition() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            Clients.createTopic(broker.bootstrapServers(), "real", 2, Map.of());
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("admin"))));
            var data = new OffsetCommitRequestData().setGroupId("admin").setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("");
            data.topics().add(new OffsetCommitRequestTopic().setName("real").setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(5)
                            .setCommittedMetadata("m"),
                    new OffsetCommitRequestPartition().setPartitionIndex(7).setCommittedOffset(5))));
            data.topics().add(new OffsetCommitRequestTopic().setName("missing").setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))));
            OffsetCommitResponse commit = wire.send(OffsetCommitRequest.Builder.forTopicNames(data), (short) 9);
            assertThat(commit.data().topics()).flatExtracting(t -> t.partitions().stream()
                    .map(p -> t.name() + "-" + p.partitionIndex() + ":" + Errors.forCode(p.errorCode())).toList())
                    .containsExactlyInAnyOrder("real-1:NONE", "real-7:UNKNOWN_TOPIC_OR_PARTITION",
                            "missing-0:UNKNOWN_TOPIC_OR_PARTITION");

            OffsetFetchResponse v7 = wire.send(OffsetFetchRequest.Builder.forTopicNames(
                    new org.apache.kafka.common.message.OffsetFetchRequestData().setRequireStable(false)
                            .setGroups(List.of(new org.apache.kafka.common.message.OffsetFetchRequestData
                                    .OffsetFetchRequestGroup().setGroupId("admin").setTopics(null))), false),
                    (short) 7);
            assertThat(v7.data().topics()).hasSize(1);
            assertThat(v7.data().topics().get(0).partitions()).extracting(p -> p.partitionIndex() + "@"
                    + p.committedOffset() + "/" + p.metadata()).containsExactly("1@5/m");

            OffsetFetchResponse unknownGroup = wire.send(OffsetFetchRequest.Builder.forTopicNames(
                    new org.apache.kafka.common.message.OffsetFetchRequestData().setGroups(List.of(
                            new org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup()
                                    .setGroupId("nobody").setTopics(List.of(
                                            new org.apache.kafka.common.message.OffsetFetchRequestData
                                                    .OffsetFetchRequestTopics().setName("real")
                                                    .setPartitionIndexes(List.of(0)))))), false), (short) 9);
            var group = unknownGroup.data().groups().get(0);
            assertThat(Errors.forCode(group.errorCode())).isEqualTo(Errors.NONE);
            assertThat(group.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(-1);

            // v10 (KIP-848) names topics by id, in commits and fetches alike.
            Uuid realId;
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                realId = admin.describeTopics(List.of("real")).allTopicNames().get().get("real").topicId();
            }
            var byId = new OffsetCommitRequestData().setGroupId("admin").setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("");
            byId.topics().add(new OffsetCommitRequestTopic().setTopicId(realId).setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(3)
                            .setCommittedLeaderEpoch(0))));
            byId.topics().add(new OffsetCommitRequestTopic().setTopicId(Uuid.randomUuid()).setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(3))));
            OffsetCommitResponse v10 = wire.send(OffsetCommitRequest.Builder.forTopicIdsOrNames(byId), (short) 10);
            assertThat(v10.data().topics()).extracting(t -> (t.topicId().equals(realId) ? "real" : "unknown") + ":"
                    + Errors.forCode(t.partitions().get(0).errorCode()))
                    .containsExactlyInAnyOrder("real:NONE", "unknown:UNKNOWN_TOPIC_ID");
            OffsetFetchResponse fetchById = wire.send(OffsetFetchRequest.Builder.forTopicIdsOrNames(
                    new org.apache.kafka.common.message.OffsetFetchRequestData().setGroups(List.of(
                            new org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup()
                                    .setGroupId("admin").setTopics(null))), false), (short) 10);
            var fetchedTopics = fetchById.data().groups().get(0).topics();
            assertThat(fetchedTopics).extracting(t -> t.topicId()).containsExactly(realId);
            assertThat(fetchedTopics.get(0).partitions()).extracting(p -> p.partitionIndex() + "@"
                    + p.committedOffset() + "/e" + p.committedLeaderEpoch())
                    .containsExactlyInAnyOrder("0@3/e0", "1@5/e-1");
        }
    }

    /**
     * As Apache Kafka 4.3.1 answers (checked side by side): a commit with a generation for a group that does not
     * exist is GROUP_ID_NOT_FOUND from v9 and ILLEGAL_GENERATION before; the empty group id commits and fetches.
     */
    @Test
    void offsetCommitOfAMissingGroupAnswersByVersionAndTheEmptyGroupIdIsServed() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            Clients.createTopic(broker.bootstrapServers(), "real", 1, Map.of());
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("gone"))));
            assertThat(commitError(wire, "gone", 1, (short) 9)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
            assertThat(commitError(wire, "gone", 1, (short) 8)).isEqualTo(Errors.ILLEGAL_GENERATION);
            assertThat(commitError(wire, "", -1, (short) 9)).isEqualTo(Errors.NONE);

            OffsetFetchResponse fetched = wire.send(OffsetFetchRequest.Builder.forTopicNames(
                    new org.apache.kafka.common.message.OffsetFetchRequestData().setGroups(List.of(
                            new org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup()
                                    .setGroupId("").setTopics(null))), false), (short) 9);
            var group = fetched.data().groups().get(0);
            assertThat(Errors.forCode(group.errorCode())).isEqualTo(Errors.NONE);
            assertThat(group.topics().get(0).partitions().get(0).committedOffset()).isEqualTo(1);
        }
    }

    private static Errors commitError(WireClient wire, String groupId, int generation, short version) {
        var data = new OffsetCommitRequestData().setGroupId(groupId).setGenerationIdOrMemberEpoch(generation)
                .setMemberId("");
        data.topics().add(new OffsetCommitRequestTopic().setName("real").setPartitions(List.of(
                new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))));
        OffsetCommitResponse response = wire.send(OffsetCommitRequest.Builder.forTopicNames(data), version);
        return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
    }

    /**
     * As Apache Kafka 4.3.1 (KafkaApis.handleSyncGroupRequest): from v5 a SyncGroup without protocol type or name is
     * INCONSISTENT_GROUP_PROTOCOL before the group id is looked at; with them, the empty group id is
     * INVALID_GROUP_ID.
     */
    @Test
    void syncGroupV5WithoutProtocolTypeOrNameIsInconsistentBeforeTheGroupIdIsChecked() {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("g"))));
            var noProtocol = new SyncGroupRequestData().setGroupId("").setMemberId("m").setGenerationId(1);
            assertThat(syncError(wire, noProtocol, (short) 5)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
            assertThat(syncError(wire, noProtocol.setProtocolType("consumer"), (short) 5))
                    .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
            assertThat(syncError(wire, noProtocol.setProtocolName("range"), (short) 5))
                    .isEqualTo(Errors.INVALID_GROUP_ID);
            assertThat(syncError(wire, new SyncGroupRequestData().setGroupId("").setMemberId("m"), (short) 4))
                    .as("before v5 the fields do not exist").isEqualTo(Errors.INVALID_GROUP_ID);
            assertThat(syncError(wire, new SyncGroupRequestData().setGroupId("g").setMemberId("m")
                    .setGenerationId(1), (short) 5)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
    }

    private static Errors syncError(WireClient wire, SyncGroupRequestData data, short version) {
        SyncGroupResponse response = wire.send(new SyncGroupRequest.Builder(data), version);
        return response.error();
    }

    /**
     * DescribeGroups v3+ with includeAuthorizedOperations reports, with no authorizer, every operation Kafka 4.3.1
     * supports on a group (AclEntry.supportedOperations(GROUP)), and only for groups described without error (v6's
     * GROUP_ID_NOT_FOUND keeps the field's default), as KafkaApis.handleDescribeGroupsRequest does.
     */
    @Test
    void describeGroupsReportsTheGroupOperationsForGroupsWithoutError() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            Clients.createTopic(broker.bootstrapServers(), "real", 1, Map.of());
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("simple"))));
            assertThat(commitError(wire, "simple", -1, (short) 9)).isEqualTo(Errors.NONE);
            int groupOperations = Utils.to32BitField(Set.of(AclOperation.READ.code(), AclOperation.DESCRIBE.code(),
                    AclOperation.DELETE.code(), AclOperation.DESCRIBE_CONFIGS.code(),
                    AclOperation.ALTER_CONFIGS.code()));
            var request = new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData()
                    .setGroups(List.of("simple", "ghost")).setIncludeAuthorizedOperations(true));

            DescribeGroupsResponse v6 = wire.send(request, (short) 6);
            assertThat(v6.data().groups()).extracting(g -> g.groupId() + ":" + Errors.forCode(g.errorCode()) + ":"
                    + g.groupState() + ":" + g.authorizedOperations()).containsExactly(
                    "simple:NONE:Empty:" + groupOperations,
                    "ghost:GROUP_ID_NOT_FOUND:Dead:" + DescribeGroupsResponse.AUTHORIZED_OPERATIONS_OMITTED);
            DescribeGroupsResponse v5 = wire.send(request, (short) 5);
            assertThat(v5.data().groups()).extracting(g -> g.groupId() + ":" + g.authorizedOperations())
                    .containsExactly("simple:" + groupOperations, "ghost:" + groupOperations);
            DescribeGroupsResponse withoutOperations = wire.send(new DescribeGroupsRequest.Builder(
                    new DescribeGroupsRequestData().setGroups(List.of("simple"))), (short) 5);
            assertThat(withoutOperations.data().groups().get(0).authorizedOperations())
                    .isEqualTo(DescribeGroupsResponse.AUTHORIZED_OPERATIONS_OMITTED);
        }
    }

    /**
     * OffsetCommit v2-4 carries RetentionTimeMs: as Kafka, the offsets get an expiry of their own and go when it
     * passes, while the group's other offsets follow offsets.retention.minutes.
     */
    @Test
    void offsetsCommittedWithARetentionTimeExpireWhenItPasses() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("offsets.retention.check.interval.ms", "100"));
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            Clients.createTopic(broker.bootstrapServers(), "real", 2, Map.of());
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("retained"))));
            var data = new OffsetCommitRequestData().setGroupId("retained").setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("").setRetentionTimeMs(1_000);
            data.topics().add(new OffsetCommitRequestTopic().setName("real").setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(3))));
            OffsetCommitResponse v2 = wire.send(OffsetCommitRequest.Builder.forTopicNames(data), (short) 2);
            assertThat(v2.errorCounts()).containsOnlyKeys(Errors.NONE);
            var withoutRetention = new OffsetCommitRequestData().setGroupId("retained")
                    .setGenerationIdOrMemberEpoch(-1).setMemberId("");
            withoutRetention.topics().add(new OffsetCommitRequestTopic().setName("real").setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(4))));
            OffsetCommitResponse v9 = wire.send(OffsetCommitRequest.Builder.forTopicNames(withoutRetention),
                    (short) 9);
            assertThat(v9.errorCounts()).containsOnlyKeys(Errors.NONE);
            assertThat(committedPartitions(wire, "retained")).containsExactlyInAnyOrder(0, 1);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> committedPartitions(wire, "retained").equals(List.of(1)));
        }
    }

    /** The partitions of topic "real" with a committed offset in {@code groupId}. */
    private static List<Integer> committedPartitions(WireClient wire, String groupId) {
        OffsetFetchResponse fetched = wire.send(OffsetFetchRequest.Builder.forTopicNames(
                new org.apache.kafka.common.message.OffsetFetchRequestData().setGroups(List.of(
                        new org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup()
                                .setGroupId(groupId).setTopics(null))), false), (short) 9);
        return fetched.data().groups().get(0).topics().stream().flatMap(t -> t.partitions().stream())
                .filter(p -> p.committedOffset() >= 0).map(p -> p.partitionIndex()).toList();
    }

    @Test
    void describeGroupsReportsAnUnknownGroupAsDeadOrNotFoundByVersion() {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("ghost"))));
            var request = new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData()
                    .setGroups(List.of("ghost")));
            DescribeGroupsResponse v5 = wire.send(request, (short) 5);
            assertThat(v5.data().groups().get(0).groupState()).isEqualTo("Dead");
            assertThat(Errors.forCode(v5.data().groups().get(0).errorCode())).isEqualTo(Errors.NONE);
            DescribeGroupsResponse v6 = wire.send(request, (short) 6);
            assertThat(Errors.forCode(v6.data().groups().get(0).errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        }
    }

    private static JoinGroupRequestData joinRequest(String groupId) {
        var protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {0, 1}));
        return new JoinGroupRequestData().setGroupId(groupId).setMemberId("").setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols);
    }
}
