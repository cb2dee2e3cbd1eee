package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.Clients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A follower whose disk turns slow ({@link LocalCluster#slowDisk}: every write to its logs waits) falls behind, and
 * the leader drops it from the ISR after {@code replica.lag.time.max.ms}, so acks=all writes go on with the two that
 * keep up instead of waiting for the slow one; once its disk is fast again it catches up and rejoins the ISR.
 */
class SlowDiskTest {
    private static final String TOPIC = "slow";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    @Test
    void aFollowerOnASlowDiskLeavesTheIsrAndComesBackWhenItIsFast() throws Exception {
        LocalCluster cluster = clusters.start(3, Map.of("replica.lag.time.max.ms", "1500"));
        clusters.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersAndFullIsr(WAIT);
        int leader = cluster.leaderOf(TOPIC, 0);
        int slow = leader == 1 ? 2 : 1;

        try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "before")).get(30, TimeUnit.SECONDS);
            cluster.slowDisk(slow, Duration.ofSeconds(5));
            LocalCluster.awaitCondition(WAIT, "node " + slow + " out of the ISR", () -> {
                sendQuietly(producer);
                return !isr(cluster).contains(slow);
            });

            // Without the slow node every acks=all write needs only the leader and the other follower.
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "without-" + i)).get(30, TimeUnit.SECONDS);
            }
            assertThat((System.nanoTime() - start) / 1_000_000).as("20 acks=all writes without the slow follower (ms)")
                    .isLessThan(5_000);
            assertThat(isr(cluster)).hasSize(2).doesNotContain(slow);

            cluster.slowDisk(slow, Duration.ZERO);
            LocalCluster.awaitCondition(WAIT, "node " + slow + " back in the ISR", () -> {
                sendQuietly(producer);
                return isr(cluster).contains(slow);
            });
        }
        cluster.awaitLeadersAndFullIsr(WAIT);
    }

    private static List<Integer> isr(LocalCluster cluster) {
        int any = cluster.runningNodes().get(0);
        return cluster.node(any).metadataImage().topic(TOPIC).partitions().get(0).isr();
    }

    /** One more record, so the leader keeps measuring how far behind its followers are. */
    private static void sendQuietly(KafkaProducer<String, String> producer) {
        producer.send(new ProducerRecord<>(TOPIC, 0, "k", "tick"));
    }
}
