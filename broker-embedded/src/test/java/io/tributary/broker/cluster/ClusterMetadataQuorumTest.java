package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.server.Broker;
import io.tributary.broker.server.BrokerConfig;
import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes in one JVM form one cluster that Kafka's Admin client sees as such: three brokers, topics created
 * through any node with replicas on all three and leaders spread, a killed node fenced and its leaderships moved to
 * replicas in sync, the active controller's death survived by the quorum, a restarted node back in the cluster.
 */
class ClusterMetadataQuorumTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    private LocalCluster cluster;

    private static Admin admin(String bootstrap) {
        var properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(properties);
    }

    private static String bootstrapOf(Broker broker) {
        return broker.bootstrapServers();
    }

    @Test
    void threeNodesFormOneClusterThatSurvivesTheLossOfALeaderAndOfTheController() throws Exception {
        cluster = clusters.start(3, Map.of());
        try (Admin admin = admin(bootstrapOf(cluster.node(3)))) {
            DescribeClusterResult described = admin.describeCluster();
            assertThat(described.nodes().get(30, TimeUnit.SECONDS)).extracting(Node::id)
                    .containsExactlyInAnyOrder(1, 2, 3);
            assertThat(described.controller().get().id()).isIn(1, 2, 3);
            assertThat(described.clusterId().get()).isEqualTo(cluster.node(1).clusterId())
                    .isEqualTo(cluster.node(2).clusterId());
            // What kafka-metadata-quorum describe --status shows: the leader, its epoch, the three voters.
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertThat(quorum.leaderId()).isEqualTo(cluster.activeController());
            assertThat(quorum.leaderEpoch()).isPositive();
            assertThat(quorum.highWatermark()).isPositive();
            assertThat(quorum.voters()).extracting(QuorumInfo.ReplicaState::replicaId)
                    .containsExactlyInAnyOrder(1, 2, 3);
            assertThat(quorum.nodes()).containsOnlyKeys(1, 2, 3);

            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
            cluster.awaitLeadersAndFullIsr(WAIT);
            TopicDescription orders = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
            assertThat(orders.partitions()).hasSize(3);
            Set<Integer> leaders = new HashSet<>();
            for (TopicPartitionInfo partition : orders.partitions()) {
                assertThat(partition.replicas()).extracting(Node::id).containsExactlyInAnyOrder(1, 2, 3);
                assertThat(partition.isr()).hasSize(3);
                leaders.add(partition.leader().id());
            }
            assertThat(leaders).as("one leader per node").containsExactlyInAnyOrder(1, 2, 3);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("too-wide", 1, (short) 4))).all()
                    .get(30, TimeUnit.SECONDS)).hasMessageContaining("replication factor");
        }

        int victim = cluster.leaderOf("orders", 0);
        cluster.kill(victim);
        int survivor = cluster.runningNodes().get(0);
        try (Admin admin = admin(bootstrapOf(cluster.node(survivor)))) {
            // Every node applies the change on its own: the client sees it once the nodes it asks have.
            LocalCluster.awaitCondition(WAIT, "a new leader of orders-0 in Metadata", () -> {
                try {
                    Node leader = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders")
                            .partitions().get(0).leader();
                    return leader != null && leader.id() != victim;
                } catch (Exception e) {
                    return false;
                }
            });
            TopicPartitionInfo partition = admin.describeTopics(List.of("orders")).allTopicNames().get()
                    .get("orders").partitions().get(0);
            assertThat(partition.leader().id()).isNotEqualTo(victim);
            assertThat(partition.isr()).extracting(Node::id).doesNotContain(victim).isNotEmpty();
            assertThat(admin.describeCluster().nodes().get()).extracting(Node::id).doesNotContain(victim);
        }

        cluster.restart(victim);
        LocalCluster.awaitCondition(WAIT, "node " + victim + " back and unfenced", () ->
                cluster.node(survivor).metadataImage().broker(victim) != null
                        && !cluster.node(survivor).metadataImage().broker(victim).fenced());

        LocalCluster.awaitCondition(WAIT, "an active controller", () -> cluster.activeController() >= 0);
        int controller = cluster.activeController();
        cluster.kill(controller);
        int other = cluster.runningNodes().get(0);
        LocalCluster.awaitCondition(WAIT, "another active controller", () -> {
            int active = cluster.activeController();
            return active >= 0 && active != controller;
        });
        try (Admin admin = admin(bootstrapOf(cluster.node(other)))) {
            admin.createTopics(List.of(new NewTopic("after-failover", 2, (short) 2))).all().get(30, TimeUnit.SECONDS);
            for (int id : cluster.runningNodes()) {
                LocalCluster.awaitCondition(WAIT, "node " + id + " to see after-failover", () ->
                        cluster.node(id).metadataImage().topic("after-failover") != null);
            }
        }
    }

    @Test
    void aNodeGivenAnotherClustersDataDirectoryRefusesToStart() throws Exception {
        cluster = clusters.start(1, Map.of());
        BrokerConfig config = cluster.config(1);
        cluster.stop(1);
        var other = new HashMap<String, String>();
        config.originals().forEach(other::put);
        other.put(BrokerConfig.CLUSTER_ID, "another-cluster-id");
        assertThatThrownBy(() -> Broker.start(BrokerConfig.fromMap(other)))
                .hasMessageContaining("belongs to cluster");
    }
}
