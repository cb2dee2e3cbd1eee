package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The controller fences a node whose heartbeat is late and whose endpoint refuses connections (its process is gone)
 * without waiting for its session to expire, so a crashed leader is replaced within about a heartbeat interval; a
 * node that is alive but cut off (its port still open) keeps its full {@code broker.session.timeout.ms}, as in
 * Kafka. Both run with a long session timeout, so only the fast path can explain a quick change.
 */
class FastFencingTest {
    private static final String TOPIC = "fenced";
    private static final long SESSION_MS = 6_000;

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    private LocalCluster startWithLeaderOffTheController() throws Exception {
        LocalCluster cluster = clusters.start(3, Map.of("broker.session.timeout.ms", Long.toString(SESSION_MS)));
        clusters.createTopic(TOPIC, 3, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersAndFullIsr(Duration.ofSeconds(60));
        return cluster;
    }

    /** A partition led by a node other than the active controller (a controller change would add an election). */
    private static int partitionLedOffTheController(LocalCluster cluster) {
        int controller = cluster.activeController();
        for (int partition = 0; partition < 3; partition++) {
            int leader = cluster.leaderOf(TOPIC, partition);
            if (leader != controller && leader >= 0) {
                return partition;
            }
        }
        throw new AssertionError("Every partition is led by the active controller " + controller);
    }

    /** Runs {@code fault} against the partition's leader and returns how long until another node leads it. */
    private static long millisUntilNewLeader(LocalCluster cluster, int partition, Runnable fault, long timeoutMs) {
        int victim = cluster.leaderOf(TOPIC, partition);
        long start = System.nanoTime();
        fault.run();
        LocalCluster.awaitCondition(Duration.ofMillis(timeoutMs), "a new leader of partition " + partition, () -> {
            int leader = cluster.leaderOf(TOPIC, partition);
            return leader >= 0 && leader != victim;
        });
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aKilledLeaderIsReplacedLongBeforeItsSessionExpires() throws Exception {
        LocalCluster cluster = startWithLeaderOffTheController();
        int partition = partitionLedOffTheController(cluster);
        int victim = cluster.leaderOf(TOPIC, partition);

        long elapsedMs = millisUntilNewLeader(cluster, partition, () -> cluster.kill(victim), SESSION_MS);

        assertThat(elapsedMs).as("kill -> new leader (ms), session timeout %d ms", SESSION_MS)
                .isLessThan(SESSION_MS / 2);
    }

    @Test
    void anUnreachableButLiveLeaderKeepsItsSession() throws Exception {
        LocalCluster cluster = startWithLeaderOffTheController();
        int partition = partitionLedOffTheController(cluster);
        int victim = cluster.leaderOf(TOPIC, partition);

        long elapsedMs = millisUntilNewLeader(cluster, partition, () -> cluster.isolate(victim), 3 * SESSION_MS);

        // Its last heartbeat came at most one interval (500 ms) before the cut.
        assertThat(elapsedMs).as("isolation -> new leader (ms): the session must run out first")
                .isGreaterThanOrEqualTo(SESSION_MS - 600);
        cluster.heal();
    }
}
