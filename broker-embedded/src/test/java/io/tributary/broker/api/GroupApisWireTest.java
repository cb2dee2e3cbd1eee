package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
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
