package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.ManualTime;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The classic group protocol and offset storage, driven through {@link GroupCoordinator} with a hand-moved clock
 * and an in-memory {@code __consumer_offsets}, so every timeout is exact and nothing sleeps.
 */
@Timeout(30)
class GroupCoordinatorTest {
    private static final int SESSION_MS = 10_000;
    private static final int REBALANCE_MS = 20_000;
    private static final int INITIAL_DELAY_MS = 3_000;
    private static final short JOIN_VERSION = 9;
    /** The OffsetCommit version librdkafka 2.15 and kafka-clients 4 send. */
    private static final short COMMIT_VERSION = 9;

    private final ManualTime time = new ManualTime();
    private final MemoryCoordinatorLog log = new MemoryCoordinatorLog();
    private GroupCoordinator coordinator = newCoordinator();

    private GroupCoordinator newCoordinator() {
        var config = new GroupConfig(1, 1_000, 60_000, INITIAL_DELAY_MS, Integer.MAX_VALUE, 300_000, 60_000, 5_000,
                64);
        var created = new GroupCoordinator(config, log, time, time);
        created.startup();
        return created;
    }

    @Test
    void newMemberLearnsItsIdThenJoinsAfterTheInitialDelay() {
        JoinGroupResponseData first = join("g", "", null).join();
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(first.memberId()).startsWith("client-");

        CompletableFuture<JoinGroupResponseData> joined = join("g", first.memberId(), null);
        time.advance(INITIAL_DELAY_MS - 1);
        assertThat(joined).isNotDone();
        time.advance(1);
        JoinGroupResponseData response = joined.join();
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.NONE);
        assertThat(response.generationId()).isEqualTo(1);
        assertThat(response.leader()).isEqualTo(first.memberId());
        assertThat(response.protocolName()).isEqualTo("range");
        assertThat(response.members()).extracting(m -> m.memberId()).containsExactly(first.memberId());
    }

    @Test
    void initialDelayIsExtendedWhileMembersKeepArriving() {
        CompletableFuture<JoinGroupResponseData> a = join("g", memberId("g"), null);
        time.advance(2_000);
        CompletableFuture<JoinGroupResponseData> b = join("g", memberId("g"), null);
        time.advance(INITIAL_DELAY_MS - 2_000 + INITIAL_DELAY_MS - 1);
        assertThat(a).isNotDone();
        time.advance(1);
        assertThat(a.join().generationId()).isEqualTo(1);
        assertThat(b.join().generationId()).isEqualTo(1);
        assertThat(a.join().members().size() + b.join().members().size()).isEqualTo(2);
    }

    @Test
    void leaderAssignmentIsStoredThenEveryMemberGetsItsShare() {
        var members = stableGroup("g", 2);
        assertThat(describe("g").groupState()).isEqualTo("Stable");
        assertThat(describe("g").protocolData()).isEqualTo("range");
        assertThat(log.records(0)).anyMatch(entry -> entry.value() != null
                && GroupRecords.parse(ByteBuffer.wrap(entry.key()), ByteBuffer.wrap(entry.value()))
                instanceof GroupRecords.GroupMetadata);
        assertThat(describe("g").members()).extracting(m -> new String(m.memberAssignment()))
                .containsExactlyInAnyOrder("share-" + members.get(0), "share-" + members.get(1));
    }

    @Test
    void newMemberTriggersRebalanceAndMembersThatDoNotRejoinAreEvicted() {
        var members = stableGroup("g", 2);
        CompletableFuture<JoinGroupResponseData> newcomer = join("g", memberId("g"), null);
        assertThat(describe("g").groupState()).isEqualTo("PreparingRebalance");
        assertThat(heartbeat("g", members.get(0), 1)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        CompletableFuture<JoinGroupResponseData> rejoined = join("g", members.get(0), null);

        // The second member stays alive (it heartbeats) but is stuck and never rejoins: after the rebalance
        // timeout (max.poll.interval.ms) the group moves on without it. The parked joiners need no heartbeats.
        for (int i = 0; i < 3; i++) {
            time.advance(REBALANCE_MS / 4);
            assertThat(heartbeat("g", members.get(1), 1)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        }
        time.advance(REBALANCE_MS / 4 - 1);
        assertThat(rejoined).isNotDone();
        time.advance(1);
        assertThat(rejoined.join().generationId()).isEqualTo(2);
        assertThat(newcomer.join().generationId()).isEqualTo(2);
        assertThat(heartbeat("g", members.get(1), 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat("g", members.get(0), 1)).isEqualTo(Errors.ILLEGAL_GENERATION);
    }

    @Test
    void memberSilentForItsSessionTimeoutIsRemoved() {
        var members = stableGroup("g", 2);
        time.advance(SESSION_MS - 1);
        assertThat(heartbeat("g", members.get(0), 1)).isEqualTo(Errors.NONE);
        time.advance(1);
        assertThat(heartbeat("g", members.get(1), 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(heartbeat("g", members.get(0), 1)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(describe("g").members()).extracting(m -> m.memberId()).containsExactly(members.get(0));
    }

    @Test
    void staticMemberRestartTakesOverItsAssignmentWithoutRebalance() {
        CompletableFuture<JoinGroupResponseData> s = join("g", "", "instance-1");
        CompletableFuture<JoinGroupResponseData> d = join("g", memberId("g"), null);
        time.advance(2L * INITIAL_DELAY_MS);
        String staticId = s.join().memberId();
        String dynamicId = d.join().memberId();
        syncAll("g", 1, List.of(staticId, dynamicId), s.join().leader());

        JoinGroupResponseData restarted = join("g", "", "instance-1").join();
        assertThat(Errors.forCode(restarted.errorCode())).isEqualTo(Errors.NONE);
        assertThat(restarted.generationId()).isEqualTo(1);
        assertThat(restarted.memberId()).isNotEqualTo(staticId);
        assertThat(describe("g").groupState()).isEqualTo("Stable");
        assertThat(heartbeat("g", dynamicId, 1)).isEqualTo(Errors.NONE);

        var oldIncarnation = new HeartbeatRequestData().setGroupId("g").setMemberId(staticId)
                .setGroupInstanceId("instance-1").setGenerationId(1);
        assertThat(Errors.forCode(coordinator.heartbeat(oldIncarnation).errorCode()))
                .isEqualTo(Errors.FENCED_INSTANCE_ID);
        SyncGroupResponseData sync = sync("g", 1, restarted.memberId(), "instance-1", Map.of()).join();
        assertThat(new String(sync.assignment())).isEqualTo("share-" + staticId);
    }

    @Test
    void offsetsAndGroupsAreReloadedFromTheLog() {
        var members = stableGroup("g", 2);
        Map<TopicPartition, Errors> committed = coordinator.commitOffsets("g", members.get(0), null, 1,
                COMMIT_VERSION, List.of(new OffsetToCommit(new TopicPartition("t", 0), 42, 7, "meta"),
                new OffsetToCommit(new TopicPartition("t", 1), 5, -1, null))).join();
        assertThat(committed).containsOnly(Map.entry(new TopicPartition("t", 0), Errors.NONE),
                Map.entry(new TopicPartition("t", 1), Errors.NONE));

        coordinator.shutdown();
        coordinator = newCoordinator();
        var fetched = coordinator.fetchOffsets("g", null);
        assertThat(fetched.offsets().get(new TopicPartition("t", 0)))
                .isEqualTo(new CommittedOffset(42, 7, "meta", time.milliseconds()));
        assertThat(fetched.offsets().get(new TopicPartition("t", 1)).metadata()).isEmpty();
        DescribedGroup restored = describe("g");
        assertThat(restored.groupState()).isEqualTo("Stable");
        assertThat(restored.members()).extracting(m -> m.memberId()).containsExactlyInAnyOrderElementsOf(members);

        time.advance(SESSION_MS);
        assertThat(describe("g").groupState()).isEqualTo("Empty");
        assertThat(coordinator.fetchOffsets("g", null).offsets()).hasSize(2);
    }

    @Test
    void commitsAreFencedByGenerationMembershipAndState() {
        var members = stableGroup("g", 2);
        var tp = new TopicPartition("t", 0);
        var offset = List.of(new OffsetToCommit(tp, 1, -1, ""));
        assertThat(coordinator.commitOffsets("g", "", null, -1, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets("g", members.get(0), null, 7, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(coordinator.commitOffsets("g", "someone-else", null, 1, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets("g", members.get(0), null, 1, COMMIT_VERSION,
                List.of(new OffsetToCommit(tp, 1, -1, "x".repeat(65)))).join().get(tp))
                .isEqualTo(Errors.OFFSET_METADATA_TOO_LARGE);

        join("g", members.get(0), null);
        assertThat(describe("g").groupState()).isEqualTo("PreparingRebalance");
        assertThat(coordinator.commitOffsets("g", members.get(1), null, 1, COMMIT_VERSION, offset).join().get(tp))
                .as("commits in the revocation callback, while the group prepares a rebalance, are accepted")
                .isEqualTo(Errors.NONE);
        join("g", members.get(1), null);
        assertThat(describe("g").groupState()).isEqualTo("CompletingRebalance");
        assertThat(coordinator.commitOffsets("g", members.get(0), null, 2, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    /**
     * What librdkafka sends when an application commits from its revocation callback while leaving: while it still
     * holds the partitions the commit carries its member id and generation and is stored, whatever the group is
     * doing; once its LeaveGroup was served (librdkafka forgets its member id right then) the same commit carries
     * no member id and is refused, in an emptied group as in one that rebalances without it. Kafka's
     * ClassicGroup.validateOffsetCommit: a generation makes the member id mandatory (validateMember).
     */
    @Test
    void commitFromTheRevocationCallbackCountsOnlyUntilTheMemberHasLeft() {
        var tp = new TopicPartition("t", 0);
        var offset = List.of(new OffsetToCommit(tp, 5, -1, ""));
        var alone = stableGroup("alone", 1);
        assertThat(coordinator.commitOffsets("alone", alone.get(0), null, 1, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.NONE);
        coordinator.leaveGroup("alone", List.of(new MemberIdentity().setMemberId(alone.get(0))));
        assertThat(describe("alone").groupState()).isEqualTo("Empty");
        assertThat(coordinator.commitOffsets("alone", "", null, 1, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets("alone", alone.get(0), null, 1, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        var pair = stableGroup("pair", 2);
        coordinator.leaveGroup("pair", List.of(new MemberIdentity().setMemberId(pair.get(1))));
        assertThat(describe("pair").groupState()).isEqualTo("PreparingRebalance");
        assertThat(coordinator.commitOffsets("pair", "", null, 1, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets("pair", pair.get(1), null, 1, COMMIT_VERSION, offset).join().get(tp))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(coordinator.commitOffsets("pair", pair.get(0), null, 1, COMMIT_VERSION, offset).join().get(tp))
                .as("the member that stays commits in its own revocation callback")
                .isEqualTo(Errors.NONE);
    }

    /**
     * A commit with a generation for a group that does not exist (deleted after its last member left): OffsetCommit
     * v9+ answers GROUP_ID_NOT_FOUND, older versions ILLEGAL_GENERATION (Kafka's
     * OffsetMetadataManager.validateOffsetCommit; librdkafka 2.15 sends v9).
     */
    @Test
    void commitWithAGenerationOfAMissingGroupIsGroupIdNotFoundFromVersion9() {
        var tp = new TopicPartition("t", 0);
        var offset = List.of(new OffsetToCommit(tp, 5, -1, ""));
        var members = stableGroup("g", 1);
        coordinator.leaveGroup("g", List.of(new MemberIdentity().setMemberId(members.get(0))));
        assertThat(coordinator.deleteGroups(List.of("g")).join()).containsEntry("g", Errors.NONE);

        assertThat(coordinator.commitOffsets("g", "", null, 1, (short) 9, offset).join().get(tp))
                .isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(coordinator.commitOffsets("g", "", null, 1, (short) 8, offset).join().get(tp))
                .isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(coordinator.commitOffsets("g", "", null, -1, (short) 9, offset).join().get(tp))
                .as("without a generation the commit creates the group again")
                .isEqualTo(Errors.NONE);
    }

    /** Kafka: a member's valid commit in a Stable or PreparingRebalance group starts its session timeout again. */
    @Test
    void commitsKeepAMemberAliveAsHeartbeatsDo() {
        var tp = new TopicPartition("t", 0);
        var members = stableGroup("g", 2);
        for (int i = 0; i < 3; i++) {
            time.advance(SESSION_MS - 1);
            assertThat(heartbeat("g", members.get(0), 1)).isEqualTo(Errors.NONE);
            assertThat(coordinator.commitOffsets("g", members.get(1), null, 1, COMMIT_VERSION,
                    List.of(new OffsetToCommit(tp, i, -1, ""))).join().get(tp)).isEqualTo(Errors.NONE);
        }
        assertThat(describe("g").members()).hasSize(2);
        time.advance(SESSION_MS);
        assertThat(describe("g").members()).as("no commit, no heartbeat: both sessions ran out").isEmpty();
    }

    /**
     * Kafka still serves OffsetCommit, OffsetFetch, DescribeGroups and DeleteGroups for the empty group id (its
     * GroupCoordinatorService, "for backwards compatibility"); the membership APIs refuse it.
     */
    @Test
    void emptyGroupIdCommitsFetchesDescribesAndDeletesButCannotJoin() {
        var tp = new TopicPartition("t", 0);
        assertThat(Errors.forCode(describe("").errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(coordinator.commitOffsets("", "", null, -1, COMMIT_VERSION,
                List.of(new OffsetToCommit(tp, 4, -1, ""))).join().get(tp)).isEqualTo(Errors.NONE);
        assertThat(coordinator.fetchOffsets("", List.of(tp)).offsets().get(tp).offset()).isEqualTo(4);
        assertThat(Errors.forCode(join("", "", null).join().errorCode())).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(describe("").groupState()).isEqualTo("Empty");
        assertThat(coordinator.deleteGroups(List.of("")).join()).containsExactly(Map.entry("", Errors.NONE));
        assertThat(coordinator.fetchOffsets("", List.of(tp)).offsets()).isEmpty();
    }

    /**
     * Kafka's GroupMetadataManager.describeGroups: every member comes with its current assignment whatever the
     * group's state (the one from the last completed generation while it rebalances, none for a member that joined
     * since), and with its protocol metadata only while the group is Stable.
     */
    @Test
    void describeShowsEachMembersCurrentAssignmentInEveryState() {
        var members = stableGroup("g", 2);
        String newcomer = memberId("g");
        join("g", newcomer, null);
        DescribedGroup preparing = describe("g");
        assertThat(preparing.groupState()).isEqualTo("PreparingRebalance");
        assertThat(preparing.protocolData()).isEmpty();
        assertThat(preparing.members()).extracting(m -> m.memberId() + "=" + new String(m.memberAssignment())
                + " metadata " + m.memberMetadata().length).containsExactlyInAnyOrder(
                members.get(0) + "=share-" + members.get(0) + " metadata 0",
                members.get(1) + "=share-" + members.get(1) + " metadata 0", newcomer + "= metadata 0");

        join("g", members.get(0), null);
        join("g", members.get(1), null);
        DescribedGroup completing = describe("g");
        assertThat(completing.groupState()).isEqualTo("CompletingRebalance");
        assertThat(completing.members()).filteredOn(m -> m.memberId().equals(members.get(1)))
                .extracting(m -> new String(m.memberAssignment())).containsExactly("share-" + members.get(1));
    }

    /** Kafka's ListGroups compares a state filter without case and without surrounding spaces. */
    @Test
    void listGroupsStateFilterIgnoresCaseAndSurroundingSpaces() {
        stableGroup("active", 1);
        coordinator.commitOffsets("idle", "", null, -1, COMMIT_VERSION,
                List.of(new OffsetToCommit(new TopicPartition("t", 0), 1, -1, ""))).join();
        assertThat(coordinator.listGroups(List.of(" empty "), List.of())).extracting(g -> g.groupId())
                .containsExactly("idle");
        assertThat(coordinator.listGroups(List.of("STABLE\t"), List.of())).extracting(g -> g.groupId())
                .containsExactly("active");
        assertThat(coordinator.listGroups(List.of(), List.of(" classic"))).as("a type filter is not trimmed")
                .isEmpty();
    }

    @Test
    void commitWithoutGenerationCreatesAnEmptyGroup() {
        var tp = new TopicPartition("t", 3);
        assertThat(coordinator.commitOffsets("simple", "", null, -1, COMMIT_VERSION,
                List.of(new OffsetToCommit(tp, 9, -1, "m"))).join().get(tp)).isEqualTo(Errors.NONE);
        assertThat(coordinator.listGroups(List.of("empty"), List.of()))
                .extracting(g -> g.groupId() + "/" + g.groupState() + "/" + g.groupType())
                .containsExactly("simple/Empty/classic");
        assertThat(coordinator.listGroups(List.of("Stable"), List.of())).isEmpty();
        assertThat(coordinator.listGroups(List.of(), List.of("consumer"))).isEmpty();
    }

    @Test
    void deleteGroupsRefusesGroupsWithMembersAndDeletesEmptyOnes() {
        var members = stableGroup("busy", 1);
        var tp = new TopicPartition("t", 0);
        coordinator.commitOffsets("idle", "", null, -1, COMMIT_VERSION, List.of(new OffsetToCommit(tp, 3, -1, "")))
                .join();

        assertThat(coordinator.deleteGroups(List.of("busy", "idle", "nobody")).join()).containsExactly(
                Map.entry("busy", Errors.NON_EMPTY_GROUP), Map.entry("idle", Errors.NONE),
                Map.entry("nobody", Errors.GROUP_ID_NOT_FOUND));
        assertThat(coordinator.fetchOffsets("idle", null).offsets()).isEmpty();
        assertThat(describe("idle").groupState()).isEqualTo("Dead");
        assertThat(describe("busy").members()).extracting(m -> m.memberId()).containsExactlyElementsOf(members);

        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(coordinator.listGroups(List.of(), List.of())).extracting(g -> g.groupId()).containsExactly("busy");
    }

    @Test
    void offsetsOfAnEmptyGroupExpireAfterTheRetention() {
        var members = stableGroup("g", 1);
        var tp = new TopicPartition("t", 0);
        coordinator.commitOffsets("g", members.get(0), null, 1, COMMIT_VERSION,
                List.of(new OffsetToCommit(tp, 3, -1, ""))).join();
        for (int i = 0; i < 15; i++) {
            time.advance(SESSION_MS - 2_000);
            assertThat(heartbeat("g", members.get(0), 1)).isEqualTo(Errors.NONE);
        }
        assertThat(coordinator.fetchOffsets("g", null).offsets()).as("a group with members keeps its offsets")
                .hasSize(1);

        coordinator.leaveGroup("g", List.of(new MemberIdentity().setMemberId(members.get(0))));
        assertThat(describe("g").groupState()).isEqualTo("Empty");
        time.advance(59_000);
        assertThat(coordinator.fetchOffsets("g", null).offsets()).hasSize(1);
        time.advance(61_000);
        assertThat(coordinator.fetchOffsets("g", null).offsets()).isEmpty();
        assertThat(describe("g").groupState()).isEqualTo("Dead");
    }

    /**
     * OffsetCommit v2-4 carries a retention of its own: Kafka stores an expire timestamp with those offsets (value
     * record v1) and expires them then, instead of offsets.retention.minutes after the group became empty; a
     * restart reads the timestamp back.
     */
    @Test
    void offsetsCommittedWithARetentionOfTheirOwnExpireThenAlsoAfterARestart() {
        var own = new TopicPartition("t", 0);
        var broker = new TopicPartition("t", 1);
        assertThat(coordinator.commitOffsets("g", "", null, -1, (short) 2, 20_000,
                List.of(new OffsetToCommit(own, 3, -1, "m"))).join().get(own)).isEqualTo(Errors.NONE);
        assertThat(coordinator.commitOffsets("g", "", null, -1, (short) 2, -1,
                List.of(new OffsetToCommit(broker, 4, -1, ""))).join().get(broker)).isEqualTo(Errors.NONE);
        CommittedOffset stored = coordinator.fetchOffsets("g", List.of(own)).offsets().get(own);
        assertThat(stored.expireTimestampMs()).isEqualTo(time.milliseconds() + 20_000);

        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(coordinator.fetchOffsets("g", List.of(own)).offsets().get(own)).isEqualTo(stored);
        time.advance(19_999);
        assertThat(coordinator.fetchOffsets("g", null).offsets()).containsOnlyKeys(own, broker);
        time.advance(5_001);
        assertThat(coordinator.fetchOffsets("g", null).offsets()).as("the retention of the commit has passed")
                .containsOnlyKeys(broker);
        time.advance(60_000);
        assertThat(coordinator.fetchOffsets("g", null).offsets()).isEmpty();
    }

    /**
     * Kafka's group coordinator deletes every group's offsets of a deleted topic (OffsetMetadataManager
     * .onTopicsDeleted), with tombstones that a restart replays; other topics' offsets and the groups stay.
     */
    @Test
    void offsetsOfDeletedTopicsAreDeletedInEveryGroup() {
        var members = stableGroup("g", 1);
        var gone = new TopicPartition("gone", 0);
        var kept = new TopicPartition("t", 0);
        coordinator.commitOffsets("g", members.get(0), null, 1, COMMIT_VERSION,
                List.of(new OffsetToCommit(gone, 1, -1, ""), new OffsetToCommit(kept, 2, -1, ""))).join();
        coordinator.commitOffsets("simple", "", null, -1, COMMIT_VERSION,
                List.of(new OffsetToCommit(new TopicPartition("gone", 3), 5, -1, ""))).join();

        coordinator.onTopicsDeleted(Set.of("gone"));
        assertThat(coordinator.fetchOffsets("g", null).offsets()).containsOnlyKeys(kept);
        assertThat(coordinator.fetchOffsets("simple", null).offsets()).isEmpty();
        assertThat(describe("g").groupState()).isEqualTo("Stable");
        assertThat(log.records(0)).filteredOn(entry -> entry.value() == null).hasSize(2);

        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(coordinator.fetchOffsets("g", null).offsets()).containsOnlyKeys(kept);
        assertThat(coordinator.fetchOffsets("simple", null).offsets()).isEmpty();
    }

    @Test
    void failedAssignmentWriteIsReportedToEveryMember() {
        List<String> members = joinedGroup("g", 2);
        String follower = members.get(1);
        CompletableFuture<SyncGroupResponseData> followerSync = sync("g", 1, follower, null, Map.of());
        log.failWith(Errors.NOT_ENOUGH_REPLICAS);
        SyncGroupResponseData leaderSync = sync("g", 1, members.get(0), null,
                Map.of(members.get(0), "a", follower, "b")).join();
        assertThat(Errors.forCode(leaderSync.errorCode())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(Errors.forCode(followerSync.join().errorCode())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(describe("g").groupState()).isEqualTo("PreparingRebalance");
    }

    @Test
    void batchLeaveAnswersEachMemberAndTheLastLeaveEmptiesTheGroup() {
        var members = stableGroup("g", 2);
        var response = coordinator.leaveGroup("g", List.of(new MemberIdentity().setMemberId(members.get(0)),
                new MemberIdentity().setMemberId("ghost"), new MemberIdentity().setMemberId(members.get(1))));
        assertThat(response.members()).extracting(m -> m.memberId() + ":" + Errors.forCode(m.errorCode()))
                .containsExactly(members.get(0) + ":NONE", "ghost:UNKNOWN_MEMBER_ID", members.get(1) + ":NONE");
        assertThat(describe("g").groupState()).isEqualTo("Empty");
        assertThat(Errors.forCode(coordinator.leaveGroup("missing", List.of(new MemberIdentity().setMemberId("x")))
                .errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void offsetDeleteRefusesTopicsTheGroupIsSubscribedTo() {
        var members = stableGroup("g", 1);
        var subscribed = new TopicPartition("t", 0);
        var other = new TopicPartition("other", 0);
        coordinator.commitOffsets("g", members.get(0), null, 1, COMMIT_VERSION,
                List.of(new OffsetToCommit(subscribed, 1, -1, ""), new OffsetToCommit(other, 2, -1, ""))).join();
        var deleted = coordinator.deleteOffsets("g", List.of(subscribed, other)).join();
        assertThat(deleted.partitions()).containsExactly(Map.entry(subscribed, Errors.GROUP_SUBSCRIBED_TO_TOPIC),
                Map.entry(other, Errors.NONE));
        assertThat(coordinator.fetchOffsets("g", null).offsets()).containsOnlyKeys(subscribed);
        assertThat(coordinator.deleteOffsets("nobody", List.of(other)).join().error())
                .isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    }

    @Test
    void sessionTimeoutOutsideTheBrokerRangeIsRejected() {
        var request = joinRequest("g", "", null).setSessionTimeoutMs(999);
        assertThat(Errors.forCode(coordinator.joinGroup(context(), request).join().errorCode()))
                .isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        var empty = joinRequest("", "", null);
        assertThat(Errors.forCode(coordinator.joinGroup(context(), empty).join().errorCode()))
                .isEqualTo(Errors.INVALID_GROUP_ID);
    }

    @Test
    void memberWithAnotherProtocolTypeIsInconsistent() {
        stableGroup("g", 1);
        var connect = joinRequest("g", "", null).setProtocolType("connect");
        assertThat(Errors.forCode(coordinator.joinGroup(context(), connect).join().errorCode()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    }

    @Test
    void connectStyleGroupsChooseTheProtocolEveryMemberSupports() {
        String first = connectMemberId();
        String second = connectMemberId();
        CompletableFuture<JoinGroupResponseData> a = coordinator.joinGroup(context(),
                connectJoin(first, "sessioned", "compatible"));
        CompletableFuture<JoinGroupResponseData> b = coordinator.joinGroup(context(),
                connectJoin(second, "compatible"));
        time.advance(2L * INITIAL_DELAY_MS);
        assertThat(a.join().protocolType()).isEqualTo("connect");
        assertThat(a.join().protocolName()).as("the only protocol both workers speak").isEqualTo("compatible");
        assertThat(b.join().protocolName()).isEqualTo("compatible");
        assertThat(describe("workers").protocolType()).isEqualTo("connect");
    }

    private String connectMemberId() {
        JoinGroupResponseData first = coordinator.joinGroup(context(), connectJoin("", "sessioned")).join();
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return first.memberId();
    }

    private static JoinGroupRequestData connectJoin(String memberId, String... protocolNames) {
        var protocols = new JoinGroupRequestProtocolCollection();
        for (String name : protocolNames) {
            protocols.add(new JoinGroupRequestProtocol().setName(name).setMetadata(name.getBytes()));
        }
        return new JoinGroupRequestData().setGroupId("workers").setMemberId(memberId)
                .setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS).setProtocolType("connect")
                .setProtocols(protocols);
    }

    // ---- fixtures --------------------------------------------------------------------------------------------

    /** A group of {@code size} dynamic members that completed generation 1 and synced; leader first. */
    private List<String> stableGroup(String groupId, int size) {
        List<String> members = joinedGroup(groupId, size);
        syncAll(groupId, 1, members, members.get(0));
        return members;
    }

    /** A group of {@code size} dynamic members that completed the join phase of generation 1; leader first. */
    private List<String> joinedGroup(String groupId, int size) {
        var joins = new ArrayList<CompletableFuture<JoinGroupResponseData>>();
        for (int i = 0; i < size; i++) {
            joins.add(join(groupId, memberId(groupId), null));
        }
        // Each member after the first extends the initial delay once (all arrive within the first delay).
        time.advance(size > 1 ? 2L * INITIAL_DELAY_MS : INITIAL_DELAY_MS);
        var members = new ArrayList<String>();
        String leader = joins.get(0).join().leader();
        members.add(leader);
        joins.forEach(j -> {
            assertThat(j.join().generationId()).isEqualTo(1);
            if (!j.join().memberId().equals(leader)) {
                members.add(j.join().memberId());
            }
        });
        return members;
    }

    private void syncAll(String groupId, int generation, List<String> members, String leader) {
        var assignment = new HashMap<String, String>();
        members.forEach(m -> assignment.put(m, "share-" + m));
        var pending = new ArrayList<CompletableFuture<SyncGroupResponseData>>();
        for (String member : members) {
            if (!member.equals(leader)) {
                String instance = describe(groupId).members().stream().filter(m -> m.memberId().equals(member))
                        .findFirst().orElseThrow().groupInstanceId();
                pending.add(sync(groupId, generation, member, instance, Map.of()));
            }
        }
        String leaderInstance = describe(groupId).members().stream().filter(m -> m.memberId().equals(leader))
                .findFirst().orElseThrow().groupInstanceId();
        pending.add(sync(groupId, generation, leader, leaderInstance, assignment));
        for (CompletableFuture<SyncGroupResponseData> sync : pending) {
            assertThat(Errors.forCode(sync.join().errorCode())).isEqualTo(Errors.NONE);
        }
    }

    /** A member id from the MEMBER_ID_REQUIRED round trip. */
    private String memberId(String groupId) {
        JoinGroupResponseData first = join(groupId, "", null).join();
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return first.memberId();
    }

    private CompletableFuture<JoinGroupResponseData> join(String groupId, String memberId, String instanceId) {
        return coordinator.joinGroup(context(), joinRequest(groupId, memberId, instanceId));
    }

    private static JoinGroupRequestData joinRequest(String groupId, String memberId, String instanceId) {
        var protocols = new JoinGroupRequestProtocolCollection();
        byte[] subscription = ConsumerProtocol.serializeSubscription(new Subscription(List.of("t"))).array();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        return new JoinGroupRequestData().setGroupId(groupId).setMemberId(memberId).setGroupInstanceId(instanceId)
                .setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(REBALANCE_MS).setProtocolType("consumer")
                .setProtocols(protocols);
    }

    private static MemberContext context() {
        return new MemberContext("client", "/127.0.0.1", JOIN_VERSION);
    }

    private CompletableFuture<SyncGroupResponseData> sync(String groupId, int generation, String memberId,
                                                          String instanceId, Map<String, String> assignment) {
        var request = new SyncGroupRequestData().setGroupId(groupId).setGenerationId(generation)
                .setMemberId(memberId).setGroupInstanceId(instanceId).setProtocolType("consumer")
                .setProtocolName("range");
        assignment.forEach((member, share) -> request.assignments().add(new SyncGroupRequestAssignment()
                .setMemberId(member).setAssignment(share.getBytes())));
        return coordinator.syncGroup(request);
    }

    private Errors heartbeat(String groupId, String memberId, int generation) {
        return Errors.forCode(coordinator.heartbeat(new HeartbeatRequestData().setGroupId(groupId)
                .setMemberId(memberId).setGenerationId(generation)).errorCode());
    }

    private DescribedGroup describe(String groupId) {
        return coordinator.describeGroup(groupId, true);
    }
}
