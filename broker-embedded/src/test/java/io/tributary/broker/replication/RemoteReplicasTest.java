package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The leader's rules over its followers' states (Kafka's Replica.scala and Partition.scala): when a follower counts
 * as caught up, what holds the high watermark back, who is out of sync, who may join the ISR.
 */
class RemoteReplicasTest {
    private static final long LAG_MS = 10_000;
    private static final long T0 = 1_000_000;

    @Test
    void aFetchAtTheLeadersLogEndCatchesUpAtItsOwnTime() {
        ReplicaState state = ReplicaState.unknown(T0, false).afterFetch(10, 0, T0 + 5, 10);
        assertThat(state.lastCaughtUpTimeMs()).isEqualTo(T0 + 5);
        assertThat(state.logEndOffset()).isEqualTo(10);
    }

    @Test
    void aFetchReachingThePreviousLogEndCatchesUpAtThePreviousFetchTime() {
        ReplicaState first = ReplicaState.unknown(T0, false).afterFetch(10, 0, T0, 10);
        ReplicaState second = first.afterFetch(10, 0, T0 + 100, 15);
        assertThat(second.lastCaughtUpTimeMs()).as("at its fetch the leader had appended more").isEqualTo(T0);
        ReplicaState third = second.afterFetch(15, 0, T0 + 200, 20);
        assertThat(third.lastCaughtUpTimeMs()).as("it reached what the leader had at the previous fetch")
                .isEqualTo(T0 + 100);
        ReplicaState stuck = third.afterFetch(16, 0, T0 + 300, 25);
        assertThat(stuck.lastCaughtUpTimeMs()).as("below the log end of the previous fetch").isEqualTo(T0 + 100);
    }

    @Test
    void aReplicaIsCaughtUpAtTheLogEndOrWithinTheLag() {
        ReplicaState state = ReplicaState.unknown(T0, false).afterFetch(10, 0, T0, 10);
        assertThat(state.isCaughtUp(10, T0 + 10 * LAG_MS, LAG_MS)).isTrue();
        assertThat(state.isCaughtUp(11, T0 + LAG_MS, LAG_MS)).isTrue();
        assertThat(state.isCaughtUp(11, T0 + LAG_MS + 1, LAG_MS)).isFalse();
    }

    @Test
    void isrMembersOfANewLeaderCountAsCaughtUpFromTheElectionOthersNever() {
        var replicas = new RemoteReplicas(0);
        replicas.startEpoch(List.of(0, 1, 2), Set.of(0, 1), T0, 50, false);
        assertThat(replicas.get(1).logEndOffset()).isEqualTo(ReplicaState.UNKNOWN_OFFSET);
        assertThat(replicas.outOfSync(Set.of(0, 1), 50, T0 + LAG_MS, LAG_MS)).isEmpty();
        assertThat(replicas.outOfSync(Set.of(0, 1), 50, T0 + LAG_MS + 1, LAG_MS)).containsExactly(1);
        assertThat(replicas.highWatermarkBound(50, Set.of(0, 1), T0, LAG_MS, id -> true))
                .as("an ISR member of unknown log end holds everything").isEqualTo(ReplicaState.UNKNOWN_OFFSET);
        replicas.recordFetch(1, 50, 0, T0, 50);
        assertThat(replicas.highWatermarkBound(50, Set.of(0, 1), T0, LAG_MS, id -> true))
                .as("a replica outside the ISR that never fetched holds nothing").isEqualTo(50);
    }

    @Test
    void aReelectedLeaderKeepsItsFollowersOffsets() {
        var replicas = new RemoteReplicas(0);
        replicas.startEpoch(List.of(0, 1), Set.of(0, 1), T0, 0, false);
        replicas.recordFetch(1, 40, 0, T0, 50);
        replicas.startEpoch(List.of(0, 1), Set.of(0), T0 + 1, 50, true);
        assertThat(replicas.get(1).logEndOffset()).isEqualTo(40);
        assertThat(replicas.get(1).isCaughtUp(50, T0 + 1, LAG_MS)).as("outside the ISR: not caught up until it fetches")
                .isFalse();
    }

    @Test
    void aCaughtUpReplicaOutsideTheIsrHoldsTheHighWatermarkUntilItJoins() {
        var replicas = new RemoteReplicas(0);
        replicas.startEpoch(List.of(0, 1, 2), Set.of(0, 1), T0, 0, false);
        replicas.recordFetch(1, 100, 0, T0, 100);
        replicas.recordFetch(2, 100, 0, T0, 100);
        replicas.recordFetch(2, 90, 0, T0 + 1, 120);
        assertThat(replicas.highWatermarkBound(120, Set.of(0, 1), T0 + 1, LAG_MS, id -> true)).isEqualTo(90);
        assertThat(replicas.highWatermarkBound(120, Set.of(0, 1), T0 + LAG_MS + 1, LAG_MS, id -> true))
                .as("no longer caught up: it holds nothing").isEqualTo(100);
    }

    @Test
    void aReplicaJoinsTheIsrAtTheHighWatermarkAndTheEpochStart() {
        var replicas = new RemoteReplicas(0);
        replicas.startEpoch(List.of(0, 1), Set.of(0), T0, 0, false);
        replicas.recordFetch(1, 30, 0, T0, 50);
        assertThat(replicas.mayJoinIsr(1, 30, 20)).isTrue();
        assertThat(replicas.mayJoinIsr(1, 31, 20)).isFalse();
        assertThat(replicas.mayJoinIsr(1, 30, 40)).isFalse();
        assertThat(replicas.mayJoinIsr(2, 0, 0)).as("not a replica").isFalse();
    }

    @Test
    void aChangedAssignmentAddsNewReplicasUnknownAndForgetsRemovedOnes() {
        var replicas = new RemoteReplicas(0);
        replicas.startEpoch(List.of(0, 1), Set.of(0, 1), T0, 0, false);
        replicas.recordFetch(1, 10, 0, T0, 10);
        replicas.updateAssignment(List.of(0, 2), T0);
        assertThat(replicas.contains(1)).isFalse();
        assertThat(replicas.get(2).logEndOffset()).isEqualTo(ReplicaState.UNKNOWN_OFFSET);
        assertThat(replicas.outOfSync(Set.of(0, 1), 10, T0, LAG_MS)).as("an ISR member that is no replica")
                .containsExactly(1);
    }
}
