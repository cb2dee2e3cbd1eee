package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.BrokerConfig;
import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.Clients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fetching from the closest replica (KIP-392): with {@code replica.selector.class} set to Kafka's rack-aware selector
 * and each node in its own rack, a consumer whose {@code client.rack} is a follower's rack is sent there by the
 * leader and reads every record from that follower (read_committed too, where the follower's own last stable offset
 * bounds what it serves); a consumer without a rack reads from the leader.
 */
class FetchFromFollowerTest {
    private static final String TOPIC = "nearby";
    private static final int RECORDS = 200;

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    @Test
    void aConsumerReadsFromTheInSyncReplicaInItsRack() throws Exception {
        LocalCluster cluster = clusters.start(3, Map.of(
                BrokerConfig.BROKER_RACK, "rack-" + LocalCluster.NODE_ID_PLACEHOLDER,
                BrokerConfig.REPLICA_SELECTOR_CLASS, BrokerConfig.RACK_AWARE_REPLICA_SELECTOR));
        clusters.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersAndFullIsr(Duration.ofSeconds(60));
        int leader = cluster.leaderOf(TOPIC, 0);
        int follower = leader == 1 ? 2 : 1;

        var sent = new ArrayList<String>();
        try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrapServers(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "v" + i)).get(30, TimeUnit.SECONDS);
                sent.add("v" + i);
            }
        }

        long leaderBefore = fetchedBytes(cluster, leader);
        long followerBefore = fetchedBytes(cluster, follower);
        assertThat(readAll(cluster, "rack-" + follower, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(sent);
        assertThat(fetchedBytes(cluster, follower)).as("bytes node %d (the consumer's rack) served", follower)
                .isGreaterThan(followerBefore);
        assertThat(fetchedBytes(cluster, leader)).as("bytes leader %d served", leader).isEqualTo(leaderBefore);

        assertThat(readAll(cluster, "rack-" + follower, IsolationLevel.READ_COMMITTED)).isEqualTo(sent);

        long followerAfter = fetchedBytes(cluster, follower);
        assertThat(readAll(cluster, "", IsolationLevel.READ_UNCOMMITTED)).isEqualTo(sent);
        assertThat(fetchedBytes(cluster, leader)).as("a consumer without a rack reads from the leader")
                .isGreaterThan(leaderBefore);
        assertThat(fetchedBytes(cluster, follower)).isEqualTo(followerAfter);
    }

    private static long fetchedBytes(LocalCluster cluster, int node) {
        Long bytes = cluster.node(node).metrics().bytesOutPerTopic().get(TOPIC);
        return bytes == null ? 0 : bytes;
    }

    private static List<String> readAll(LocalCluster cluster, String rack, IsolationLevel isolation) {
        var read = new ArrayList<String>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(cluster.bootstrapServers(), Map.of(
                ConsumerConfig.CLIENT_RACK_CONFIG, rack,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(java.util.Locale.ROOT)))) {
            var partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read.size() < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    read.add(record.value());
                }
            }
        }
        return read;
    }
}
