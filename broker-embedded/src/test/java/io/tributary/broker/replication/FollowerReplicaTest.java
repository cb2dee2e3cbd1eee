package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition as a follower ({@link FollowerReplica}) and across leader changes: followers copy the leader's batches
 * as they are and build the same producer state from them, so a follower that becomes leader rejects a producer's
 * retried batch and ends its transactions as the old leader would; a follower whose log diverged is told where
 * (KIP-320) and truncates to the new leader's history; the fetchers are told who follows whom.
 */
class FollowerReplicaTest {
    private static final short ACKS_ALL = -1;
    private static final short ACKS_LEADER = 1;
    private static final long PRODUCER_ID = 4242;

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

    private static MemoryRecords idempotent(int sequence, String... values) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, PRODUCER_ID, (short) 0, sequence,
                ReplicaSet.simple(values));
    }

    private static MemoryRecords transactional(int sequence, String... values) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, PRODUCER_ID, (short) 0, sequence,
                ReplicaSet.simple(values));
    }

    @Test
    void aFollowerThatBecomesLeaderRejectsABatchRetriedFromTheOldLeader() {
        CompletableFuture<PartitionResponse> produced = replicas.produce(0, ACKS_ALL, 30_000, idempotent(0, "a", "b"));
        replicas.replicateAll();
        PartitionResponse first = produced.join();
        assertThat(first.error).isEqualTo(Errors.NONE);

        replicas.elect(1, List.of(0, 1, 2));
        PartitionResponse retried = replicas.produce(1, ACKS_LEADER, 30_000, idempotent(0, "a", "b")).join();

        assertThat(retried.error).isEqualTo(Errors.NONE);
        assertThat(retried.baseOffset).as("the original offsets").isEqualTo(first.baseOffset);
        assertThat(replicas.partition(1).logEndOffset()).as("nothing appended again").isEqualTo(2);
        PartitionResponse gap = replicas.produce(1, ACKS_LEADER, 30_000, idempotent(5, "c")).join();
        assertThat(gap.error).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        PartitionResponse next = replicas.produce(1, ACKS_LEADER, 30_000, idempotent(2, "c")).join();
        assertThat(next.error).isEqualTo(Errors.NONE);
        assertThat(next.baseOffset).isEqualTo(2);
    }

    @Test
    void aFollowerEndsTransactionsAsItsLeaderDid() {
        replicas.produce(0, ACKS_LEADER, 30_000, transactional(0, "aborted")).join();
        replicas.replicaManager(0).appendTxnMarker(ReplicaSet.TP, PRODUCER_ID, (short) 0, 0, false);
        replicas.produce(0, ACKS_LEADER, 30_000, transactional(1, "open")).join();
        replicas.replicateAll();

        Partition follower = replicas.partition(2);
        assertThat(follower.highWatermark()).isEqualTo(3);
        assertThat(follower.lastStableOffset()).as("the open transaction starts at 2").isEqualTo(2);
        assertThat(follower.producers()).singleElement()
                .satisfies(producer -> assertThat(producer.currentTxnStartOffset()).isEqualTo(2));

        replicas.elect(2, List.of(0, 1, 2));
        FetchResult committed = replicas.partition(2).readForConsumer(0, 1 << 20, true, IsolationLevel.READ_COMMITTED);
        assertThat(committed.lastStableOffset()).isEqualTo(2);
        assertThat(committed.abortedTransactions()).singleElement()
                .satisfies(txn -> assertThat(txn.firstOffset()).isZero());
        assertThat(replicas.replicaManager(2).appendTxnMarker(ReplicaSet.TP, PRODUCER_ID, (short) 0, 0, true))
                .isNotDone();
        replicas.replicateAll();
        assertThat(replicas.partition(2).lastStableOffset()).isEqualTo(4);
    }

    @Test
    void aFollowerWhoseLogDivergedIsToldWhereAndTruncatesToTheLeadersHistory() {
        replicas.produce(0, ACKS_LEADER, 30_000, "a").join();
        replicas.produce(0, ACKS_LEADER, 30_000, "b").join();
        replicas.replicateAll();
        // Node 0 takes two more records nobody copies, then loses leadership to node 1 (epoch 1), which writes
        // its own two.
        replicas.produce(0, ACKS_LEADER, 30_000, "lost1").join();
        replicas.produce(0, ACKS_LEADER, 30_000, "lost2").join();
        replicas.elect(1, List.of(1, 2));
        replicas.produce(1, ACKS_LEADER, 30_000, "c").join();
        replicas.produce(1, ACKS_LEADER, 30_000, "d").join();

        FetchResult diverging = replicas.fetch(0);
        assertThat(diverging.divergingEpoch()).isEqualTo(new FollowerReplica.EpochEndOffset(0, 2));
        assertThat(diverging.records().sizeInBytes()).isZero();
        assertThat(replicas.partition(0).logEndOffset()).isEqualTo(2);
        // The recovery points are written out right after the cut (Kafka's LogManager.truncateTo), not at the next
        // periodic checkpoint: none ran in this test.
        assertThat(dir.resolve("node-0").resolve("recovery-point-offset-checkpoint")).exists()
                .content().contains(ReplicaSet.TOPIC);

        replicas.replicateAll();
        assertThat(replicas.values(0)).containsExactly("a", "b", "c", "d");
        assertThat(replicas.batches(0)).isEqualTo(replicas.batches(1));
    }

    @Test
    void aFollowerAheadOfEveryEpochInTheNewLeadersLogLearnsWhereToTruncate() {
        replicas.produce(0, ACKS_LEADER, 30_000, "a").join();
        replicas.replicateAll();
        // Node 1 leads briefly at epoch 1 and writes a record only it has; node 2 then leads at epoch 2 with a log
        // of epoch 0 only. Only the epoch-2 entry recorded as it took over tells node 1 where epoch 0 ends.
        replicas.elect(1, List.of(1, 2));
        replicas.produce(1, ACKS_LEADER, 30_000, "only-on-1").join();
        replicas.elect(2, List.of(1, 2));
        assertThat(replicas.partition(2).log().epochs().entries()).extracting(e -> e.epoch() + "@" + e.startOffset())
                .containsExactly("0@0", "2@1");

        FetchResult diverging = replicas.fetch(1);
        assertThat(diverging.divergingEpoch()).isEqualTo(new FollowerReplica.EpochEndOffset(0, 1));
        assertThat(replicas.values(1)).containsExactly("a");

        replicas.produce(2, ACKS_LEADER, 30_000, "b").join();
        replicas.replicateAll();
        assertThat(replicas.values(1)).containsExactly("a", "b");
        assertThat(replicas.batches(1)).isEqualTo(replicas.batches(2));
    }

    @Test
    void truncationRebuildsTheProducerState() {
        replicas.produce(0, ACKS_LEADER, 30_000, idempotent(0, "a")).join();
        replicas.produce(0, ACKS_LEADER, 30_000, idempotent(1, "b")).join();
        replicas.replicateAll();
        replicas.elect(1, List.of(0, 1, 2));

        replicas.partition(2).truncateTo(1);
        assertThat(replicas.partition(2).producers()).singleElement()
                .satisfies(producer -> assertThat(producer.lastSequence()).isZero());
        assertThat(replicas.partition(2).highWatermark()).isEqualTo(1);

        replicas.partition(2).truncateFullyAndStartAt(5);
        assertThat(replicas.partition(2).producers()).isEmpty();
        assertThat(replicas.partition(2).logStartOffset()).isEqualTo(5);
        assertThat(replicas.partition(2).highWatermark()).isEqualTo(5);
    }

    @Test
    void aLeaderTakesNoFollowerWork() {
        assertThatThrownBy(() -> replicas.partition(0).truncateTo(0)).isInstanceOf(NotLeaderOrFollowerException.class);
        assertThatThrownBy(() -> replicas.partition(0).appendRecordsAsFollower(idempotent(0, "x")))
                .isInstanceOf(NotLeaderOrFollowerException.class);
        assertThatThrownBy(() -> replicas.partition(0).updateFollowerOffsets(0, 0))
                .isInstanceOf(NotLeaderOrFollowerException.class);
    }

    @Test
    void theFetchersAreToldWhoFollowsWhomAndStopBeforeALeaderTakesOver() {
        assertThat(replicas.listened(0)).isEmpty();
        assertThat(replicas.listened(1)).containsExactly("follow 0 at 0");

        replicas.elect(1, List.of(0, 1, 2));
        assertThat(replicas.listened(0)).containsExactly("follow 1 at 1");
        assertThat(replicas.listened(1)).containsExactly("follow 0 at 0", "stop");
        assertThat(replicas.listened(2)).containsExactly("follow 0 at 0", "follow 1 at 1");

        replicas.register(List.of(0, 1, 2), List.of(0, 1), 1, 1);
        assertThat(replicas.listened(2)).as("an ISR change is nothing to a fetcher")
                .containsExactly("follow 0 at 0", "follow 1 at 1");
    }
}
