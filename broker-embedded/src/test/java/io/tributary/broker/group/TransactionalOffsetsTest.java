package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.group.GroupCoordinator.FetchedOffsets;
import io.tributary.broker.testing.ManualTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The group side of transactions (KIP-98, KIP-447): TxnOffsetCommit writes pending offsets that only a COMMIT
 * marker makes visible, OffsetFetch with require_stable reports them, and a reload replays transactional records
 * and markers to the same state. Driven through {@link GroupCoordinator} with a hand-moved clock and an in-memory
 * {@code __consumer_offsets} in which the test appends the markers where the server would.
 */
@Timeout(30)
class TransactionalOffsetsTest {
    private static final int SESSION_MS = 10_000;
    private static final int INITIAL_DELAY_MS = 3_000;
    private static final long RETENTION_MS = 60_000;
    private static final long EXPIRY_CHECK_MS = 5_000;
    private static final int METADATA_MAX_BYTES = 64;
    private static final int PARTITION = 0;
    private static final long PRODUCER = 4_000;
    private static final short EPOCH = 3;
    private static final short COMMIT_VERSION = 9;

    private final ManualTime time = new ManualTime();
    private final MemoryCoordinatorLog log = new MemoryCoordinatorLog();
    private GroupCoordinator coordinator = newCoordinator();

    private final TopicPartition tp0 = new TopicPartition("t", 0);
    private final TopicPartition tp1 = new TopicPartition("t", 1);

    private GroupCoordinator newCoordinator() {
        var config = new GroupConfig(1, 1_000, 60_000, INITIAL_DELAY_MS, Integer.MAX_VALUE, 300_000, RETENTION_MS,
                EXPIRY_CHECK_MS, METADATA_MAX_BYTES);
        var created = new GroupCoordinator(config, log, time, time);
        created.startup();
        return created;
    }

    @Test
    void pendingOffsetsAreInvisibleUntilTheTransactionCommits() {
        assertThat(commit("g", tp0, 5)).isEqualTo(Errors.NONE);
        assertThat(txnCommit(PRODUCER, "g", -1, "", null, tp0, 9)).isEqualTo(Errors.NONE);
        assertThat(log.records(PARTITION)).hasSize(2);

        assertThat(offset("g", tp0)).as("the stable offset until the transaction ends").isEqualTo(5);

        log.appendMarker(PARTITION, PRODUCER, true);
        coordinator.completeTransaction(PARTITION, PRODUCER, true);
        assertThat(offset("g", tp0)).isEqualTo(9);
        assertThat(coordinator.fetchOffsets("g", null).offsets().get(tp0))
                .isEqualTo(new CommittedOffset(9, 2, "txn", time.milliseconds()));

        coordinator.completeTransaction(PARTITION, PRODUCER, false);
        assertThat(offset("g", tp0)).as("a marker reported twice changes nothing").isEqualTo(9);
    }

    @Test
    void abortDropsThePendingOffsets() {
        commit("g", tp0, 5);
        txnCommit(PRODUCER, "g", -1, "", null, tp0, 9);
        txnCommit(PRODUCER, "g", -1, "", null, tp1, 9);

        log.appendMarker(PARTITION, PRODUCER, false);
        coordinator.completeTransaction(PARTITION, PRODUCER, false);

        FetchedOffsets stable = coordinator.fetchOffsets("g", List.of(tp0, tp1), true);
        assertThat(stable.unstable()).isEmpty();
        assertThat(stable.offsets()).containsOnlyKeys(tp0);
        assertThat(stable.offsets().get(tp0).offset()).isEqualTo(5);
    }

    @Test
    void requireStableAnswersUnstableOffsetCommitWhileATransactionHoldsAnOffset() {
        commit("g", tp0, 5);
        commit("g", tp1, 6);
        txnCommit(PRODUCER, "g", -1, "", null, tp0, 9);

        FetchedOffsets requested = coordinator.fetchOffsets("g", List.of(tp0, tp1), true);
        assertThat(requested.unstable()).containsExactly(tp0);
        assertThat(requested.offsets()).containsOnlyKeys(tp1);
        FetchedOffsets all = coordinator.fetchOffsets("g", null, true);
        assertThat(all.unstable()).containsExactly(tp0);
        assertThat(all.offsets()).containsOnlyKeys(tp1);
        FetchedOffsets relaxed = coordinator.fetchOffsets("g", List.of(tp0, tp1), false);
        assertThat(relaxed.unstable()).isEmpty();
        assertThat(relaxed.offsets().get(tp0).offset()).isEqualTo(5);

        var other = new TopicPartition("t", 2);
        txnCommit(PRODUCER + 1, "g", -1, "", null, other, 1);
        assertThat(coordinator.fetchOffsets("g", null, true).unstable())
                .as("fetching all partitions considers those with a committed offset, as Kafka")
                .containsExactly(tp0);
        assertThat(coordinator.fetchOffsets("g", List.of(other), true).unstable()).containsExactly(other);

        log.appendMarker(PARTITION, PRODUCER, true);
        coordinator.completeTransaction(PARTITION, PRODUCER, true);
        FetchedOffsets after = coordinator.fetchOffsets("g", List.of(tp0, tp1), true);
        assertThat(after.unstable()).isEmpty();
        assertThat(after.offsets().get(tp0).offset()).isEqualTo(9);
    }

    @Test
    void txnOffsetCommitIsFencedByGenerationMemberAndInstance() {
        String member = stableStaticMember("g", "instance-1");
        assertThat(txnCommit(PRODUCER, "g", 7, member, "instance-1", tp0, 1)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(txnCommit(PRODUCER, "g", 1, "someone-else", null, tp0, 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(txnCommit(PRODUCER, "g", 1, "someone-else", "instance-1", tp0, 1))
                .isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(txnCommit(PRODUCER, "g", 1, member, "instance-1", tp0, 1, "x".repeat(METADATA_MAX_BYTES + 1)))
                .isEqualTo(Errors.OFFSET_METADATA_TOO_LARGE);
        assertThat(log.records(PARTITION)).as("only the group's assignment was written").hasSize(1);

        assertThat(txnCommit(PRODUCER, "g", 1, member, "instance-1", tp0, 1)).isEqualTo(Errors.NONE);
        assertThat(txnCommit(PRODUCER, "g", -1, "", null, tp1, 1))
                .as("v0-2 carry no generation: accepted although the group has members, unlike OffsetCommit")
                .isEqualTo(Errors.NONE);
        assertThat(commit("g", tp1, 1)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        join("g", member, "instance-1");
        assertThat(coordinator.describeGroup("g", true).groupState()).isEqualTo("CompletingRebalance");
        assertThat(txnCommit(PRODUCER, "g", 2, member, "instance-1", tp0, 2))
                .as("a transactional commit is not held to the group's state (Kafka)").isEqualTo(Errors.NONE);
        assertThat(coordinator.commitOffsets("g", member, "instance-1", 2, COMMIT_VERSION,
                List.of(new OffsetToCommit(tp0, 2, -1, ""))).join().get(tp0)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void missingGroupIsCreatedEmptyOnlyWithoutAGeneration() {
        assertThat(txnCommit(PRODUCER, "absent", 1, "m", null, tp0, 1)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(coordinator.describeGroup("absent", true).groupState()).isEqualTo("Dead");

        assertThat(txnCommit(PRODUCER, "assigned", -1, "", null, tp0, 1)).isEqualTo(Errors.NONE);
        assertThat(coordinator.listGroups(List.of(), List.of())).extracting(g -> g.groupId() + "/" + g.groupState())
                .containsExactly("assigned/Empty");
        assertThat(txnCommit(PRODUCER, "", -1, "", null, tp0, 1)).isEqualTo(Errors.INVALID_GROUP_ID);
    }

    @Test
    void laterPlainCommitBeatsAnEarlierTransactionalCommitCompletedAfterIt() {
        txnCommit(PRODUCER, "g", -1, "", null, tp0, 9);
        commit("g", tp0, 5);
        txnCommit(PRODUCER, "g", -1, "", null, tp1, 9);

        log.appendMarker(PARTITION, PRODUCER, true);
        coordinator.completeTransaction(PARTITION, PRODUCER, true);
        assertThat(offset("g", tp0)).as("the plain commit's record comes after the transactional one").isEqualTo(5);
        assertThat(offset("g", tp1)).isEqualTo(9);

        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(offset("g", tp0)).isEqualTo(5);
        assertThat(offset("g", tp1)).isEqualTo(9);
    }

    @Test
    void reloadRebuildsCommittedAbortedAndOpenTransactions() {
        long committing = PRODUCER;
        long aborting = PRODUCER + 1;
        long open = PRODUCER + 2;
        commit("g", tp0, 1);
        commit("g", tp1, 1);
        txnCommit(committing, "g", -1, "", null, tp0, 10);
        txnCommit(aborting, "g", -1, "", null, tp1, 20);
        txnCommit(open, "g", -1, "", null, tp1, 30);
        txnCommit(open, "other", -1, "", null, tp0, 40);
        log.appendMarker(PARTITION, committing, true);
        coordinator.completeTransaction(PARTITION, committing, true);
        log.appendMarker(PARTITION, aborting, false);
        coordinator.completeTransaction(PARTITION, aborting, false);
        String before = state();
        assertThat(before).isEqualTo("g: t-0=10 t-1=1 unstable=[t-1] | other: unstable=[t-0]");

        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(state()).isEqualTo(before);

        log.appendMarker(PARTITION, open, true);
        coordinator.completeTransaction(PARTITION, open, true);
        assertThat(state()).isEqualTo("g: t-0=10 t-1=30 unstable=[] | other: t-0=40 unstable=[]");
        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(state()).isEqualTo("g: t-0=10 t-1=30 unstable=[] | other: t-0=40 unstable=[]");
    }

    @Test
    void offsetDeleteAndDeleteGroupsAlsoRemovePendingOffsets() {
        commit("g", tp0, 1);
        txnCommit(PRODUCER, "g", -1, "", null, tp0, 10);
        txnCommit(PRODUCER, "g", -1, "", null, tp1, 10);
        txnCommit(PRODUCER + 1, "h", -1, "", null, tp0, 20);

        assertThat(coordinator.deleteOffsets("g", List.of(tp1)).join().partitions())
                .containsExactly(Map.entry(tp1, Errors.NONE));
        assertThat(coordinator.fetchOffsets("g", List.of(tp1), true).unstable()).isEmpty();
        assertThat(coordinator.deleteGroups(List.of("h")).join())
                .as("an open transaction does not keep an empty group from being deleted (Kafka)")
                .containsExactly(Map.entry("h", Errors.NONE));

        log.appendMarker(PARTITION, PRODUCER, true);
        coordinator.completeTransaction(PARTITION, PRODUCER, true);
        log.appendMarker(PARTITION, PRODUCER + 1, true);
        coordinator.completeTransaction(PARTITION, PRODUCER + 1, true);
        assertThat(state()).isEqualTo("g: t-0=10 unstable=[]");

        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(state()).isEqualTo("g: t-0=10 unstable=[]");
        assertThat(coordinator.describeGroup("h", true).groupState()).isEqualTo("Dead");
    }

    /**
     * A deleted topic's offsets pending in open transactions are deleted too (Kafka's
     * OffsetMetadataManager.onTopicsDeleted cleans the pending ones as well), so the transaction's commit cannot
     * bring them back, live or after a restart.
     */
    @Test
    void deletedTopicLosesItsPendingOffsetsToo() {
        var gone = new TopicPartition("gone", 0);
        txnCommit(PRODUCER, "g", -1, "", null, tp0, 10);
        assertThat(coordinator.commitTransactionalOffsets("txn", "g", PRODUCER, EPOCH, "", null, -1,
                List.of(new OffsetToCommit(gone, 7, -1, ""))).join().get(gone)).isEqualTo(Errors.NONE);
        assertThat(coordinator.fetchOffsets("g", List.of(gone), true).unstable()).containsExactly(gone);

        coordinator.onTopicsDeleted(Set.of("gone"));
        assertThat(coordinator.fetchOffsets("g", List.of(gone), true).unstable()).isEmpty();

        log.appendMarker(PARTITION, PRODUCER, true);
        coordinator.completeTransaction(PARTITION, PRODUCER, true);
        assertThat(coordinator.fetchOffsets("g", null).offsets()).containsOnlyKeys(tp0);
        coordinator.shutdown();
        coordinator = newCoordinator();
        assertThat(coordinator.fetchOffsets("g", null).offsets()).containsOnlyKeys(tp0);
    }

    @Test
    void openTransactionKeepsAnEmptyGroupAndItsOffsetFromExpiring() {
        commit("g", tp0, 1);
        txnCommit(PRODUCER, "g", -1, "", null, tp0, 10);
        txnCommit(PRODUCER + 1, "pending-only", -1, "", null, tp0, 20);

        time.advance(RETENTION_MS + EXPIRY_CHECK_MS);
        assertThat(offset("g", tp0)).as("the committed offset stays while a transaction holds one").isEqualTo(1);
        assertThat(coordinator.listGroups(List.of(), List.of())).extracting(g -> g.groupId())
                .containsExactlyInAnyOrder("g", "pending-only");

        log.appendMarker(PARTITION, PRODUCER, false);
        coordinator.completeTransaction(PARTITION, PRODUCER, false);
        log.appendMarker(PARTITION, PRODUCER + 1, false);
        coordinator.completeTransaction(PARTITION, PRODUCER + 1, false);
        time.advance(EXPIRY_CHECK_MS);
        assertThat(coordinator.fetchOffsets("g", null).offsets()).isEmpty();
        assertThat(coordinator.listGroups(List.of(), List.of())).isEmpty();
    }

    @Test
    void failedTransactionalWriteIsReportedAndLeavesNothingPending() {
        log.failWith(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(txnCommit(PRODUCER, "g", -1, "", null, tp0, 1)).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        log.failWith(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(txnCommit(PRODUCER, "g", -1, "", null, tp0, 1))
                .as("the partition's producer fencing reaches the producer unchanged")
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        log.failWith(Errors.NONE);
        assertThat(coordinator.fetchOffsets("g", List.of(tp0), true).unstable()).isEmpty();
    }

    // ---- fixtures --------------------------------------------------------------------------------------------

    private Errors commit(String groupId, TopicPartition tp, long offset) {
        return coordinator.commitOffsets(groupId, "", null, -1, COMMIT_VERSION,
                List.of(new OffsetToCommit(tp, offset, -1, ""))).join().get(tp);
    }

    private Errors txnCommit(long producerId, String groupId, int generation, String memberId, String instanceId,
                             TopicPartition tp, long offset) {
        return txnCommit(producerId, groupId, generation, memberId, instanceId, tp, offset, "txn");
    }

    private Errors txnCommit(long producerId, String groupId, int generation, String memberId, String instanceId,
                             TopicPartition tp, long offset, String metadata) {
        return coordinator.commitTransactionalOffsets("txn-" + producerId, groupId, producerId, EPOCH, memberId,
                instanceId, generation, List.of(new OffsetToCommit(tp, offset, 2, metadata))).join().get(tp);
    }

    /** The committed offset of {@code tp}, -1 without one. */
    private long offset(String groupId, TopicPartition tp) {
        CommittedOffset committed = coordinator.fetchOffsets(groupId, List.of(tp)).offsets().get(tp);
        return committed == null ? -1 : committed.offset();
    }

    /**
     * Every group's committed offsets and the partitions a require_stable fetch reports unstable (of t-0 and t-1),
     * sorted, for comparing states.
     */
    private String state() {
        return String.join(" | ", coordinator.listGroups(List.of(), List.of()).stream().map(g -> g.groupId())
                .sorted().map(groupId -> {
            String[] committed = coordinator.fetchOffsets(groupId, List.of(tp0, tp1)).offsets().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue().offset()).sorted().toArray(String[]::new);
            String[] unstable = coordinator.fetchOffsets(groupId, List.of(tp0, tp1), true).unstable().stream()
                    .map(TopicPartition::toString).sorted().toArray(String[]::new);
            return groupId + ":" + (committed.length == 0 ? "" : " " + String.join(" ", committed))
                    + " unstable=" + Arrays.toString(unstable);
        }).toList());
    }

    /** A static member that completed generation 1 of {@code groupId} alone; its member id. */
    private String stableStaticMember(String groupId, String instanceId) {
        CompletableFuture<JoinGroupResponseData> joined = join(groupId, "", instanceId);
        time.advance(INITIAL_DELAY_MS);
        JoinGroupResponseData response = joined.join();
        assertThat(response.generationId()).isEqualTo(1);
        var sync = new SyncGroupRequestData().setGroupId(groupId).setGenerationId(1)
                .setMemberId(response.memberId()).setGroupInstanceId(instanceId).setProtocolType("consumer")
                .setProtocolName("range");
        sync.assignments().add(new SyncGroupRequestAssignment().setMemberId(response.memberId())
                .setAssignment(new byte[0]));
        assertThat(Errors.forCode(coordinator.syncGroup(sync).join().errorCode())).isEqualTo(Errors.NONE);
        return response.memberId();
    }

    private CompletableFuture<JoinGroupResponseData> join(String groupId, String memberId, String instanceId) {
        var protocols = new JoinGroupRequestProtocolCollection();
        byte[] subscription = ConsumerProtocol.serializeSubscription(new Subscription(List.of("t"))).array();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        var request = new JoinGroupRequestData().setGroupId(groupId).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(SESSION_MS)
                .setProtocolType("consumer").setProtocols(protocols);
        return coordinator.joinGroup(new MemberContext("client", "/127.0.0.1", (short) 9), request);
    }
}
