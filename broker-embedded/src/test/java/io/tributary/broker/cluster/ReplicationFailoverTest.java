package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.Clients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Data replication on three nodes in one JVM: with RF 3 and min.insync.replicas=2, what an idempotent acks=all
 * producer was told is written survives the loss of the partition's leader, exactly once and in order; the killed
 * node comes back, catches up, and rejoins the ISR.
 */
class ReplicationFailoverTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "replicated";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    private LocalCluster cluster;

    private static List<String> send(KafkaProducer<String, String> producer, String prefix, int count)
            throws Exception {
        var acknowledged = new ArrayList<String>();
        var pending = new ArrayList<java.util.concurrent.Future<RecordMetadata>>();
        for (int i = 0; i < count; i++) {
            pending.add(producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, prefix + i)));
        }
        for (int i = 0; i < count; i++) {
            pending.get(i).get(60, TimeUnit.SECONDS);
            acknowledged.add(prefix + i);
        }
        return acknowledged;
    }

    @Test
    void acksAllGoesOnWithinASessionTimeoutWhenAFollowerDies() throws Exception {
        cluster = clusters.start(3, Map.of());
        String bootstrap = cluster.bootstrapServers();
        clusters.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersAndFullIsr(WAIT);
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            send(producer, "before-", 100);
            int leader = cluster.leaderOf(TOPIC, 0);
            int follower = leader == 1 ? 2 : 1;
            cluster.kill(follower);
            long start = System.nanoTime();
            send(producer, "after-", 100);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            // The controller fences the dead follower after broker.session.timeout.ms (3 s) and drops it from
            // the ISR; acks=all then needs only the two left.
            assertThat(elapsedMs).as("acks=all stalled after a follower died").isLessThan(10_000);
        }
    }

    @Test
    void acknowledgedRecordsSurviveTheLossOfTheLeaderAndTheNodeRejoins() throws Exception {
        cluster = clusters.start(3, Map.of());
        String bootstrap = cluster.bootstrapServers();
        clusters.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersAndFullIsr(WAIT);

        var expected = new ArrayList<String>();
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50))) {
            expected.addAll(send(producer, "before-", 500));

            int leader = cluster.leaderOf(TOPIC, 0);
            cluster.kill(leader);
            expected.addAll(send(producer, "after-", 500));
            assertThat(cluster.leaderOf(TOPIC, 0)).isNotEqualTo(leader).isPositive();

            cluster.restart(leader);
            cluster.awaitLeadersAndFullIsr(WAIT);
            expected.addAll(send(producer, "rejoined-", 200));
        }

        List<ConsumerRecord<String, String>> read = Clients.readToEnd(bootstrap, PARTITION,
                IsolationLevel.READ_COMMITTED);
        assertThat(read).extracting(ConsumerRecord::value).containsExactlyElementsOf(expected);
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.get(i).offset()).as("offsets are dense").isEqualTo(i);
        }

        // Every replica holds the same records: each node in turn is the only one left to read from.
        for (int only : List.of(1, 2, 3)) {
            cluster.awaitLeadersAndFullIsr(WAIT);
            for (int other : cluster.runningNodes()) {
                if (other != only) {
                    cluster.stop(other);
                }
            }
            LocalCluster.awaitCondition(WAIT, "node " + only + " to lead", () -> cluster.leaderOf(TOPIC, 0) == only);
            assertThat(Clients.readToEnd(cluster.node(only).bootstrapServers(), PARTITION,
                    IsolationLevel.READ_UNCOMMITTED)).extracting(ConsumerRecord::value)
                    .as("the log of node %d", only).containsExactlyElementsOf(expected);
            for (int other : List.of(1, 2, 3)) {
                if (other != only) {
                    cluster.restart(other);
                }
            }
        }
    }
}
