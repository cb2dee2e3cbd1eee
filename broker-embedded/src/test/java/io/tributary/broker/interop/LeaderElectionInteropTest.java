package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.RawConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ElectLeaders on a three-node cluster: after the preferred leader of a partition died and came back, leadership
 * stays with the replica that took over until {@code kafka-leader-election --election-type preferred} (or Admin's
 * {@code electLeaders}) moves it back; an election that is not needed, of a partition that does not exist, or of an
 * unknown type, gets Kafka's errors, from every node (the active controller answers; the others forward).
 */
class LeaderElectionInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String LEADER_ELECTION = "org.apache.kafka.tools.LeaderElectionCommand";

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    @BeforeAll
    static void installTools() throws Exception {
        InteropTools.install("kafka-cli");
    }

    private static int preferredOf(Admin admin, String topic, int partition) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return description.partitions().get(partition).replicas().get(0).id();
    }

    /** Kills the partition's preferred leader and brings it back: another replica leads the partition then. */
    private static void moveLeaderAway(LocalCluster cluster, Admin admin, String topic) throws Exception {
        int preferred = preferredOf(admin, topic, 0);
        assertThat(cluster.leaderOf(topic, 0)).as("the first leader is the preferred one").isEqualTo(preferred);
        cluster.kill(preferred);
        LocalCluster.awaitCondition(WAIT, "a new leader of " + topic + "-0",
                () -> cluster.leaderOf(topic, 0) >= 0 && cluster.leaderOf(topic, 0) != preferred);
        cluster.restart(preferred);
        cluster.awaitLeadersAndFullIsr(WAIT);
    }

    @Test
    void preferredElectionMovesLeadershipBackWithKafkasTool() throws Exception {
        LocalCluster cluster = clusters.start(3, Map.of());
        clusters.createTopic("elect", 1, 3, Map.of());
        cluster.awaitLeadersAndFullIsr(WAIT);
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            moveLeaderAway(cluster, admin, "elect");
            int preferred = preferredOf(admin, "elect", 0);
            assertThat(cluster.leaderOf("elect", 0)).as("leader after the preferred one returned")
                    .isNotEqualTo(preferred);

            List<String> output = KafkaCli.run(LEADER_ELECTION, "--bootstrap-server", cluster.bootstrapServers(),
                    "--election-type", "preferred", "--all-topic-partitions");

            assertThat(String.join("\n", output)).contains("Successfully completed leader election (PREFERRED)")
                    .contains("elect-0");
            LocalCluster.awaitCondition(WAIT, "elect-0 led by its preferred replica " + preferred,
                    () -> cluster.leaderOf("elect", 0) == preferred);
            cluster.awaitLeadersAndFullIsr(WAIT);

            List<String> again = KafkaCli.run(LEADER_ELECTION, "--bootstrap-server", cluster.bootstrapServers(),
                    "--election-type", "preferred", "--topic", "elect", "--partition", "0");
            assertThat(String.join("\n", again)).contains("Valid replica already elected for partitions elect-0");
        }
    }

    @Test
    void theAdminClientGetsKafkasErrors() throws Exception {
        LocalCluster cluster = clusters.start(3, Map.of());
        clusters.createTopic("elect-admin", 1, 3, Map.of());
        cluster.awaitLeadersAndFullIsr(WAIT);
        var partition = new TopicPartition("elect-admin", 0);
        var missing = new TopicPartition("elect-none", 0);
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Map<TopicPartition, Optional<Throwable>> preferred = admin.electLeaders(ElectionType.PREFERRED,
                    Set.of(partition, missing)).partitions().get();
            assertThat(preferred.get(partition)).containsInstanceOf(ElectionNotNeededException.class);
            assertThat(preferred.get(missing)).containsInstanceOf(UnknownTopicOrPartitionException.class);

            Map<TopicPartition, Optional<Throwable>> unclean = admin.electLeaders(ElectionType.UNCLEAN,
                    Set.of(partition)).partitions().get();
            assertThat(unclean.get(partition)).as("a partition with a leader needs no unclean election")
                    .containsInstanceOf(ElectionNotNeededException.class);

            assertThatThrownBy(() -> admin.electLeaders(ElectionType.PREFERRED, Set.of(missing)).all().get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        }
        var topics = new ElectLeadersRequestData.TopicPartitionsCollection();
        topics.add(new ElectLeadersRequestData.TopicPartitions().setTopic("elect-admin").setPartitions(List.of(0)));
        var unknownType = new ElectLeadersRequestData().setElectionType((byte) 5).setTopicPartitions(topics)
                .setTimeoutMs(10_000);
        short version = 2;
        ElectLeadersRequest request = ElectLeadersRequest.parse(MessageUtil.toByteBufferAccessor(unknownType, version),
                version);
        for (int node : cluster.runningNodes()) {
            try (RawConnection raw = RawConnection.open(cluster.node(node).bootstrapServers())) {
                ElectLeadersResponse response = raw.request(request);
                assertThat(response.data().errorCode()).as("election type 5 sent to node %d", node)
                        .isEqualTo(Errors.INVALID_REQUEST.code());
            }
        }
    }
}
