package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TxnOffsetCommit on a real broker, as raw requests so the exact error codes are checked: partitions of missing
 * topics, coordinator routing, generation fencing, and offsets that stay pending (OffsetFetch with
 * require_stable answers UNSTABLE_OFFSET_COMMIT) across a restart. No transaction coordinator takes part: the
 * producer ids are made up, and no marker ever ends these transactions.
 */
class TxnOffsetCommitWireTest {
    @TempDir
    Path dataDir;

    @Test
    void txnOffsetCommitBeforeTheOffsetsTopicExistsAsksToRetry() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir);
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            Clients.createTopic(broker.bootstrapServers(), "real", 1, Map.of());
            TxnOffsetCommitResponse response = wire.send(new TxnOffsetCommitRequest.Builder(
                    request("g", 1000, -1, "").setTopics(List.of(topic("real", 0), topic("missing", 0)))), (short) 4);
            assertThat(outcomes(response)).containsExactlyInAnyOrder("real-0:COORDINATOR_NOT_AVAILABLE",
                    "missing-0:UNKNOWN_TOPIC_OR_PARTITION");

            findCoordinator(wire, "g");
            TxnOffsetCommitResponse noGroupId = wire.send(new TxnOffsetCommitRequest.Builder(
                    request("", 1000, -1, "").setTopics(List.of(topic("real", 0)))), (short) 4);
            assertThat(outcomes(noGroupId)).containsExactly("real-0:INVALID_GROUP_ID");
        }
    }

    @Test
    void committedOffsetsStayPendingAcrossARestart() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
                Clients.createTopic(broker.bootstrapServers(), "real", 2, Map.of());
                findCoordinator(wire, "assigned");
                TxnOffsetCommitResponse response = wire.send(new TxnOffsetCommitRequest.Builder(
                        request("assigned", 1000, -1, "").setTopics(List.of(topic("real", 1, 9),
                                topic("missing", 0)))), (short) 5);
                assertThat(outcomes(response)).containsExactlyInAnyOrder("real-1:NONE", "real-9:UNKNOWN_TOPIC_OR_PARTITION",
                        "missing-0:UNKNOWN_TOPIC_OR_PARTITION");
                assertPending(wire, "assigned");
            }
            broker.restart();
            try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
                assertPending(wire, "assigned");
            }
        }
    }

    @Test
    void txnOffsetCommitIsFencedByTheGroupGeneration() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("group.initial.rebalance.delay.ms", "0"));
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            Clients.createTopic(broker.bootstrapServers(), "real", 1, Map.of());
            findCoordinator(wire, "members");
            JoinGroupResponse joined = wire.send(new JoinGroupRequest.Builder(joinRequest("members")), (short) 3);
            assertThat(joined.error()).isEqualTo(Errors.NONE);
            String member = joined.data().memberId();
            assertThat(joined.data().generationId()).isEqualTo(1);

            assertThat(outcomes(wire.send(new TxnOffsetCommitRequest.Builder(request("members", 1000, 5, member)
                    .setTopics(List.of(topic("real", 0)))), (short) 3))).containsExactly("real-0:ILLEGAL_GENERATION");
            assertThat(outcomes(wire.send(new TxnOffsetCommitRequest.Builder(request("members", 1000, 1, "stranger")
                    .setTopics(List.of(topic("real", 0)))), (short) 3))).containsExactly("real-0:UNKNOWN_MEMBER_ID");
            assertThat(outcomes(wire.send(new TxnOffsetCommitRequest.Builder(request("ghost", 1000, 1, "someone")
                    .setTopics(List.of(topic("real", 0)))), (short) 3)))
                    .as("a missing group is only created for a commit without a generation")
                    .containsExactly("real-0:ILLEGAL_GENERATION");
            assertThat(outcomes(wire.send(new TxnOffsetCommitRequest.Builder(request("members", 1001, 1, member)
                    .setTopics(List.of(topic("real", 0)))), (short) 3))).containsExactly("real-0:NONE");
            assertThat(outcomes(wire.send(new TxnOffsetCommitRequest.Builder(request("members", 1002, -1, "")
                    .setTopics(List.of(topic("real", 0)))), (short) 2)))
                    .as("v2 carries no generation: accepted although the group has a member")
                    .containsExactly("real-0:NONE");
        }
    }

    /** real-1 of {@code groupId} holds a pending offset and no committed one. */
    private static void assertPending(WireClient wire, String groupId) {
        var topics = List.of(new OffsetFetchRequestTopics().setName("real").setPartitionIndexes(List.of(0, 1)));
        OffsetFetchResponse stable = wire.send(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData()
                .setRequireStable(true).setGroups(List.of(new OffsetFetchRequestGroup().setGroupId(groupId)
                        .setTopics(topics))), true), (short) 7);
        assertThat(stable.data().topics().get(0).partitions()).extracting(p -> p.partitionIndex() + "@"
                + p.committedOffset() + ":" + Errors.forCode(p.errorCode()))
                .containsExactlyInAnyOrder("0@-1:NONE", "1@-1:UNSTABLE_OFFSET_COMMIT");

        OffsetFetchResponse batched = wire.send(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData()
                .setRequireStable(true).setGroups(List.of(new OffsetFetchRequestGroup().setGroupId(groupId)
                        .setTopics(topics))), true), (short) 9);
        assertThat(batched.data().groups().get(0).topics().get(0).partitions())
                .extracting(p -> p.partitionIndex() + ":" + Errors.forCode(p.errorCode()))
                .containsExactlyInAnyOrder("0:NONE", "1:UNSTABLE_OFFSET_COMMIT");

        OffsetFetchResponse relaxed = wire.send(OffsetFetchRequest.Builder.forTopicNames(new OffsetFetchRequestData()
                .setRequireStable(false).setGroups(List.of(new OffsetFetchRequestGroup().setGroupId(groupId)
                        .setTopics(topics))), false), (short) 7);
        assertThat(relaxed.data().topics().get(0).partitions()).extracting(p -> p.partitionIndex() + "@"
                + p.committedOffset() + ":" + Errors.forCode(p.errorCode()))
                .as("without require_stable the last committed offset, none yet").containsExactlyInAnyOrder(
                        "0@-1:NONE", "1@-1:NONE");
    }

    private static TxnOffsetCommitRequestData request(String groupId, long producerId, int generation,
                                                      String memberId) {
        var data = new TxnOffsetCommitRequestData().setTransactionalId("txn-" + producerId).setGroupId(groupId)
                .setProducerId(producerId).setProducerEpoch((short) 0);
        if (generation >= 0 || !memberId.isEmpty()) {
            data.setGenerationId(generation).setMemberId(memberId);
        }
        return data;
    }

    private static TxnOffsetCommitRequestTopic topic(String name, int... partitions) {
        var topic = new TxnOffsetCommitRequestTopic().setName(name);
        for (int partition : partitions) {
            topic.partitions().add(new TxnOffsetCommitRequestPartition().setPartitionIndex(partition)
                    .setCommittedOffset(42).setCommittedMetadata("m"));
        }
        return topic;
    }

    private static List<String> outcomes(TxnOffsetCommitResponse response) {
        return response.data().topics().stream().flatMap(t -> t.partitions().stream()
                .map(p -> t.name() + "-" + p.partitionIndex() + ":" + Errors.forCode(p.errorCode()))).toList();
    }

    /** The first group lookup creates {@code __consumer_offsets}. */
    private static void findCoordinator(WireClient wire, String groupId) {
        wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                .setCoordinatorKeys(List.of(groupId))));
    }

    private static JoinGroupRequestData joinRequest(String groupId) {
        var protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {0, 1}));
        return new JoinGroupRequestData().setGroupId(groupId).setMemberId("").setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols);
    }
}
