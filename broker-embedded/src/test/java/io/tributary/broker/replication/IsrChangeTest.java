package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.metadata.PartitionRegistration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.IneligibleReplicaException;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ISR changes go through the controller (AlterPartition, KIP-497): a follower not caught up for
 * {@code replica.lag.time.max.ms} is proposed out, one that caught up to the high watermark and the leader epoch's
 * start is proposed in, one change at a time; the leader's ISR changes when the controller answers, and the
 * answer's partition epoch is what the next proposal names. On the manual clock.
 */
class IsrChangeTest {
    private static final short ACKS_LEADER = 1;

    @TempDir
    Path dir;

    private ReplicaSet replicas;

    @BeforeEach
    void start() {
        replicas = new ReplicaSet(dir, 3, Map.of());
        replicas.register(List.of(0, 1, 2), List.of(0, 1, 2), 0, 0);
    }

    @AfterEach
    void stop() throws InterruptedException {
        replicas.close();
    }

    private void produce(String... values) {
        assertThat(replicas.produce(0, ACKS_LEADER, 30_000, values).join().error).isEqualTo(Errors.NONE);
    }

    @Test
    void aFollowerNotCaughtUpForTheLagTimeLeavesTheIsrAndRejoinsOnceCaughtUp() {
        replicas.replicateAll();
        produce("a", "b");
        replicas.fetch(1);
        replicas.fetch(1);

        replicas.time.advance(ReplicaSet.LAG_MS);
        replicas.replicaManager(0).maybeShrinkIsr();
        assertThat(replicas.proposals).as("node 2 is exactly at the lag time: still in sync").isEmpty();

        replicas.time.advance(1);
        replicas.fetch(1);
        replicas.replicaManager(0).maybeShrinkIsr();
        assertThat(replicas.proposals).containsExactly(List.of(0, 1));
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1);
        assertThat(replicas.partition(0).state().partitionEpoch()).isEqualTo(1);
        assertThat(replicas.partition(0).highWatermark()).as("node 2 no longer holds it back").isEqualTo(2);
        replicas.publish();
        assertThat(replicas.partition(0).state().partitionEpoch()).as("the image brings nothing new").isEqualTo(1);

        replicas.fetch(2);
        assertThat(replicas.isr(0)).as("node 2 fetched from 0: below the high watermark")
                .containsExactlyInAnyOrder(0, 1);
        replicas.fetch(2);
        assertThat(replicas.proposals).containsExactly(List.of(0, 1), List.of(0, 1, 2));
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(replicas.registration()).isEqualTo(
                new PartitionRegistration(List.of(0, 1, 2), List.of(0, 1, 2), 0, 0, 2));
    }

    @Test
    void aFollowerTrailingASteadyStreamOfAppendsStaysInSync() {
        replicas.replicateAll();
        for (int i = 0; i < 10; i++) {
            // Each fetch reaches the log end the leader had at the previous one, never the current one.
            produce("v" + i);
            replicas.fetch(1);
            replicas.fetch(2);
            replicas.time.advance(ReplicaSet.LAG_MS / 3);
            replicas.replicaManager(0).maybeShrinkIsr();
        }
        assertThat(replicas.proposals).isEmpty();
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void aStuckFollowerLeavesTheIsrEvenIfItFetches() {
        replicas.replicateAll();
        produce("a");
        // Node 2 keeps fetching from an old offset (stuck), never reaching the leader's log end.
        for (int i = 0; i < 4; i++) {
            replicas.fetch(1);
            replicas.time.advance(ReplicaSet.LAG_MS / 3);
            stuckFetch(2);
            replicas.replicaManager(0).maybeShrinkIsr();
        }
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1);
    }

    private void stuckFetch(int follower) {
        var request = new FetchPartition(replicas.tip, 0, 1 << 20, 0, -1, 0);
        replicas.replicaManager(0).fetch(new FetchParams(follower, 0, 1, 1 << 20, IsolationLevel.READ_UNCOMMITTED),
                List.of(request)).join();
    }

    @Test
    void aFollowerJoinsTheIsrOnlyOnceItHasEverythingBelowTheLeaderEpochsStart() {
        produce("a");
        produce("b");
        replicas.fetch(1);
        replicas.fetch(1);
        assertThat(replicas.partition(1).highWatermark()).as("node 2 never fetched: nothing is committed").isZero();

        // Node 1 leads at epoch 1 from offset 2; node 0, in the ISR, has not fetched yet: the high watermark stays.
        replicas.register(List.of(0, 1, 2), List.of(0, 1), 1, 1);
        Partition leader = replicas.partition(1);
        assertThat(leader.leaderEpochStartOffset()).isEqualTo(2);
        assertThat(leader.log().epochs().latestEpoch()).as("recorded before any append").isEqualTo(1);
        assertThat(leader.highWatermark()).isZero();

        replicas.fetch(2);
        assertThat(replicas.proposals).as("node 2 is at the high watermark but below the epoch's start").isEmpty();
        replicas.fetch(2);
        assertThat(replicas.proposals).containsExactly(List.of(0, 1, 2));
        assertThat(replicas.isr(1)).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void oneChangeAtATimeAndAPendingExpansionAlreadyHoldsTheHighWatermark() {
        replicas.register(List.of(0, 1, 2), List.of(0, 1), 0, 0);
        var held = new CompletableFuture<PartitionRegistration>();
        replicas.answerNextAlterPartition(isr -> held);
        replicas.replicateAll();
        assertThat(replicas.proposals).as("node 2 caught up at once").containsExactly(List.of(0, 1, 2));
        assertThat(replicas.partition(0).state()).isInstanceOfSatisfying(PartitionState.Leader.class,
                leader -> assertThat(leader.isrState()).isInstanceOf(IsrState.Pending.class));

        produce("a");
        // Past the lag time, only its place in the maximal ISR makes node 2 hold the high watermark.
        replicas.time.advance(ReplicaSet.LAG_MS + 1);
        replicas.fetch(1);
        replicas.fetch(1);
        replicas.fetch(2);
        assertThat(replicas.partition(0).highWatermark()).isZero();
        replicas.fetch(2);
        assertThat(replicas.proposals).as("no second change while one is pending").hasSize(1);

        held.complete(new PartitionRegistration(List.of(0, 1, 2), List.of(0, 1, 2), 0, 0, 2));
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(replicas.partition(0).state().partitionEpoch()).isEqualTo(2);
        assertThat(replicas.partition(0).highWatermark()).isEqualTo(1);
    }

    @Test
    void aRefusedChangeIsProposedAgainOnlyAfterTheNextImage() {
        replicas.register(List.of(0, 1, 2), List.of(0, 1), 0, 0);
        replicas.answerNextAlterPartition(isr -> CompletableFuture.failedFuture(
                new IneligibleReplicaException("node 2 is fenced")));
        replicas.replicateAll();
        assertThat(replicas.proposals).hasSize(1);
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1);

        replicas.fetch(2);
        assertThat(replicas.proposals).as("refused: not again before the next image").hasSize(1);

        replicas.publish();
        replicas.fetch(2);
        assertThat(replicas.proposals).hasSize(2);
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void aChangeWithoutAnAnswerStaysInForceAndIsSentAgain() {
        replicas.register(List.of(0, 1, 2), List.of(0, 1), 0, 0);
        replicas.answerNextAlterPartition(isr -> CompletableFuture.failedFuture(new TimeoutException("no answer")));
        replicas.replicateAll();
        produce("a");
        replicas.time.advance(ReplicaSet.LAG_MS + 1);
        replicas.fetch(1);
        replicas.fetch(1);
        assertThat(replicas.partition(0).highWatermark())
                .as("the expansion may have been applied: node 2 still counts").isZero();

        replicas.replicaManager(0).maybeShrinkIsr();
        assertThat(replicas.proposals).as("sent again at the next ISR check")
                .containsExactly(List.of(0, 1, 2), List.of(0, 1, 2));
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void aStaleAnswerWaitsForTheRegistrationThatReplacesIt() {
        replicas.register(List.of(0, 1, 2), List.of(0, 1), 0, 0);
        replicas.answerNextAlterPartition(isr -> CompletableFuture.failedFuture(
                new InvalidUpdateVersionException("the controller has a newer partition epoch")));
        replicas.replicateAll();
        replicas.fetch(2);
        replicas.replicaManager(0).maybeShrinkIsr();
        assertThat(replicas.proposals).as("nothing more until the registration changes").hasSize(1);

        replicas.publish();
        replicas.fetch(2);
        assertThat(replicas.proposals).as("the same registration changes nothing").hasSize(1);

        replicas.register(List.of(0, 1, 2), List.of(0, 1), 0, 0);
        replicas.fetch(2);
        assertThat(replicas.proposals).hasSize(2);
        assertThat(replicas.isr(0)).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void anUnchangedRegistrationChangesNothing() throws Exception {
        produce("a");
        replicas.replicateAll();
        PartitionState before = replicas.partition(0).state();
        List<String> listenedBefore = List.copyOf(replicas.listened(1));
        String checkpoint = Files.readString(replicas.partition(1).log().dir()
                .resolve("leader-epoch-checkpoint"));

        replicas.publish();

        assertThat(replicas.partition(0).state()).isSameAs(before);
        assertThat(replicas.listened(1)).isEqualTo(listenedBefore);
        assertThat(Files.readString(replicas.partition(1).log().dir().resolve("leader-epoch-checkpoint")))
                .isEqualTo(checkpoint);
        CompletableFuture<PartitionResponse> produced = replicas.produce(0, (short) -1, 30_000, "b");
        replicas.replicateAll();
        assertThat(produced.join().error).isEqualTo(Errors.NONE);
    }
}
