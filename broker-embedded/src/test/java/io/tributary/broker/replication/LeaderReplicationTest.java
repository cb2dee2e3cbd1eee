package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's side of replication over real logs: followers fetch through the leader's fetch path with their
 * replica ids, the high watermark follows the slowest in-sync replica, acks=all answers only once every in-sync
 * replica has the records (or times out, or learns the ISR shrank or leadership moved), and a fetch from a node that
 * is no replica is refused as Kafka refuses it.
 */
class LeaderReplicationTest {
    private static final short ACKS_ALL = -1;
    private static final short ACKS_LEADER = 1;
    private static final long TIMEOUT_MS = 30_000;

    @TempDir
    Path dir;

    private ReplicaSet replicas;

    private ReplicaSet start(Map<String, String> topicConfig, List<Integer> replicaIds, List<Integer> isr) {
        replicas = new ReplicaSet(dir, replicaIds.size(), topicConfig);
        return replicas.register(replicaIds, isr, 0, 0);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void highWatermarkAdvancesOnlyWhenEveryIsrMemberHasTheRecords() {
        start(Map.of(), List.of(0, 1, 2), List.of(0, 1, 2));
        assertThat(replicas.produce(0, ACKS_LEADER, TIMEOUT_MS, "a", "b", "c").join().error).isEqualTo(Errors.NONE);
        Partition leader = replicas.partition(0);
        assertThat(leader.logEndOffset()).isEqualTo(3);
        assertThat(leader.highWatermark()).isZero();
        assertThat(replicas.consume(0, 0).records().sizeInBytes()).isZero();

        replicas.fetch(1);
        replicas.fetch(1);
        assertThat(replicas.partition(1).logEndOffset()).isEqualTo(3);
        assertThat(leader.highWatermark()).as("node 2 has not fetched yet").isZero();

        replicas.fetch(2);
        assertThat(leader.highWatermark()).as("node 2 fetched from 0: it has nothing yet").isZero();
        replicas.fetch(2);
        assertThat(leader.highWatermark()).isEqualTo(3);
        assertThat(ReplicaSet.count(replicas.consume(0, 0).records())).isEqualTo(3);

        // Followers learn the high watermark from the leader's next answer.
        assertThat(replicas.partition(1).highWatermark()).isZero();
        replicas.fetch(1);
        assertThat(replicas.partition(1).highWatermark()).isEqualTo(3);
        assertThat(replicas.values(1)).containsExactly("a", "b", "c");
        assertThat(replicas.batches(1)).isEqualTo(replicas.batches(0));
    }

    @Test
    void ackAllAnswersOnlyOnceEveryIsrMemberHasTheRecords() {
        start(Map.of(), List.of(0, 1, 2), List.of(0, 1, 2));
        CompletableFuture<PartitionResponse> produced = replicas.produce(0, ACKS_ALL, TIMEOUT_MS, "a", "b");
        assertThat(produced).isNotDone();

        replicas.fetch(1);
        replicas.fetch(1);
        replicas.fetch(2);
        assertThat(produced).as("node 2 has fetched the records but not yet said so").isNotDone();

        replicas.fetch(2);
        PartitionResponse response = produced.join();
        assertThat(response.error).isEqualTo(Errors.NONE);
        assertThat(response.baseOffset).isZero();
        assertThat(replicas.partition(0).highWatermark()).isEqualTo(2);
    }

    @Test
    void ackAllTimesOutWhenAFollowerStopsFetching() throws Exception {
        start(Map.of(), List.of(0, 1, 2), List.of(0, 1, 2));
        CompletableFuture<PartitionResponse> produced = replicas.produce(0, ACKS_ALL, 200, "a");
        replicas.fetch(1);
        replicas.fetch(1);

        PartitionResponse response = produced.get(20, TimeUnit.SECONDS);
        assertThat(response.error).isEqualTo(Errors.REQUEST_TIMED_OUT);
        assertThat(response.baseOffset).as("the append's offset, as Kafka answers it").isZero();
        assertThat(replicas.partition(0).logEndOffset()).isEqualTo(1);
        assertThat(replicas.partition(0).highWatermark()).isZero();
    }

    @Test
    void ackAllIsRefusedBeforeTheAppendWhileTheIsrIsBelowMinInsyncReplicas() {
        start(Map.of("min.insync.replicas", "2"), List.of(0, 1, 2), List.of(0));
        PartitionResponse refused = replicas.produce(0, ACKS_ALL, TIMEOUT_MS, "a").join();
        assertThat(refused.error).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(replicas.partition(0).logEndOffset()).isZero();

        PartitionResponse leaderOnly = replicas.produce(0, ACKS_LEADER, TIMEOUT_MS, "b").join();
        assertThat(leaderOnly.error).isEqualTo(Errors.NONE);
        assertThat(replicas.partition(0).logEndOffset()).isEqualTo(1);
    }

    @Test
    void ackAllAnswersNotEnoughReplicasAfterAppendWhenTheIsrShrankWhileItWaited() {
        start(Map.of("min.insync.replicas", "2"), List.of(0, 1), List.of(0, 1));
        replicas.fetch(1);
        CompletableFuture<PartitionResponse> produced = replicas.produce(0, ACKS_ALL, TIMEOUT_MS, "a");
        assertThat(produced).isNotDone();

        replicas.time.advance(ReplicaSet.LAG_MS + 1);
        replicas.replicaManager(0).maybeShrinkIsr();

        assertThat(replicas.isr(0)).containsExactly(0);
        PartitionResponse response = produced.join();
        assertThat(response.error).isEqualTo(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(response.baseOffset).isZero();
        assertThat(replicas.partition(0).highWatermark()).isEqualTo(1);
    }

    @Test
    void ackAllAnswersNotLeaderOrFollowerWhenLeadershipMovesWhileItWaits() {
        start(Map.of(), List.of(0, 1, 2), List.of(0, 1, 2));
        CompletableFuture<PartitionResponse> produced = replicas.produce(0, ACKS_ALL, TIMEOUT_MS, "a");
        replicas.fetch(1);

        replicas.elect(1, List.of(0, 1, 2));

        assertThat(produced.join().error).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void aSingleReplicaAnswersAckAllAtOnce() {
        start(Map.of("min.insync.replicas", "2"), List.of(0), List.of(0));
        CompletableFuture<PartitionResponse> produced = replicas.produce(0, ACKS_ALL, TIMEOUT_MS, "a");
        assertThat(produced).isDone();
        assertThat(produced.join().error).isEqualTo(Errors.NONE);
        assertThat(replicas.partition(0).highWatermark()).isEqualTo(1);
    }

    @Test
    void transactionMarkersWaitForTheIsr() {
        start(Map.of(), List.of(0, 1), List.of(0, 1));
        MemoryRecords transactional = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0,
                ReplicaSet.simple("t"));
        assertThat(replicas.produce(0, ACKS_LEADER, TIMEOUT_MS, transactional).join().error).isEqualTo(Errors.NONE);

        CompletableFuture<Errors> marker = replicas.replicaManager(0).appendTxnMarker(ReplicaSet.TP, 7L, (short) 0,
                0, true);
        assertThat(marker).isNotDone();
        replicas.fetch(1);
        replicas.fetch(1);
        assertThat(marker.join()).isEqualTo(Errors.NONE);
        assertThat(replicas.partition(0).lastStableOffset()).isEqualTo(2);
    }

    @Test
    void aFollowerReadsUpToTheLogEndWhateverItsIsolationLevel() {
        start(Map.of(), List.of(0, 1), List.of(0, 1));
        MemoryRecords open = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0,
                ReplicaSet.simple("t1", "t2"));
        replicas.produce(0, ACKS_LEADER, TIMEOUT_MS, open).join();
        replicas.produce(0, ACKS_LEADER, TIMEOUT_MS, "plain").join();

        var request = new FetchPartition(replicas.tip, 0, 1 << 20, 0, -1, 0);
        FetchResult result = replicas.replicaManager(0)
                .fetch(new FetchParams(1, 0, 1, 1 << 20, IsolationLevel.READ_COMMITTED), List.of(request)).join()
                .get(replicas.tip);

        assertThat(result.error()).isEqualTo(Errors.NONE);
        assertThat(ReplicaSet.count(result.records())).as("beyond the high watermark and the open transaction")
                .isEqualTo(3);
        assertThat(result.abortedTransactions()).isNull();
        assertThat(result.highWatermark()).isZero();
    }

    @Test
    void aFetchFromANodeThatIsNoReplicaIsRefusedAsKafkaRefusesIt() {
        start(Map.of(), List.of(0, 1), List.of(0, 1));
        replicas.produce(0, ACKS_LEADER, TIMEOUT_MS, "a").join();

        assertThat(followerFetch(0, 7, -1).error()).as("no leader epoch: an older fetcher")
                .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(followerFetch(0, 7, 0).error()).as("leader epoch given: a replica this leader does not know yet")
                .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(followerFetch(1, 0, 0).error()).as("asking a follower").isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(followerFetch(0, 1, 1).error()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(replicas.partition(0).highWatermark()).as("no refused fetch moved anything").isZero();
    }

    private FetchResult followerFetch(int node, int replicaId, int leaderEpoch) {
        var request = new FetchPartition(replicas.tip, 1, 1 << 20, leaderEpoch, -1, 0);
        return replicas.replicaManager(node)
                .fetch(new FetchParams(replicaId, 0, 1, 1 << 20, IsolationLevel.READ_UNCOMMITTED), List.of(request))
                .join().get(replicas.tip);
    }

    @Test
    void aParkedFollowerFetchAnswersWhenTheLeaderAppends() throws Exception {
        start(Map.of(), List.of(0, 1), List.of(0, 1));
        CompletableFuture<FetchResult> parked = replicas.fetchAsync(1, 60_000);
        assertThat(parked).isNotDone();

        replicas.produce(0, ACKS_LEADER, TIMEOUT_MS, "a", "b").join();

        FetchResult result = parked.get(20, TimeUnit.SECONDS);
        assertThat(ReplicaSet.count(result.records())).isEqualTo(2);
        replicas.apply(1, result);
        assertThat(replicas.values(1)).containsExactly("a", "b");
        assertThat(replicas.partition(0).highWatermark()).as("the follower has not fetched past them yet").isZero();
        replicas.fetch(1);
        assertThat(replicas.partition(0).highWatermark()).isEqualTo(2);
    }
}
