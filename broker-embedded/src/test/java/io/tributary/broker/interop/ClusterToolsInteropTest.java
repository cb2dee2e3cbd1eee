package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka's own tools and kcat see a three-node Tributary cluster as a normal Kafka cluster: kcat {@code -L} lists
 * three brokers and each partition's replicas and ISR; {@code kafka-topics --describe} shows leaders and ISRs that
 * change as a node dies and returns; {@code kafka-metadata-quorum describe --status} shows the leader and the three
 * voters.
 */
class ClusterToolsInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String METADATA_QUORUM = "org.apache.kafka.tools.MetadataQuorumCommand";

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    private LocalCluster cluster;

    @BeforeAll
    static void installTools() throws Exception {
        InteropTools.install("kcat");
        InteropTools.install("kafka-cli");
    }

    private static List<String> kcat(String bootstrap, String... args) throws Exception {
        var command = new ArrayList<String>(List.of(InteropTools.kcat().toString(), "-b", bootstrap));
        command.addAll(List.of(args));
        return ExternalProcess.runSuccessfully(command, Map.of(), null, WAIT).stdoutLines();
    }

    /** kafka-topics --describe, one line per partition: "Partition: p Leader: l Replicas: a,b,c Isr: a,b". */
    private static List<String> describe(String bootstrap, String topic) throws Exception {
        return KafkaCli.run(KafkaCli.TOPICS, "--bootstrap-server", bootstrap, "--describe", "--topic", topic).stream()
                .filter(line -> line.contains("Partition:")).map(line -> line.trim().replaceAll("\\s+", " "))
                .toList();
    }

    @Test
    void kafkasToolsAndKcatSeeTheClusterAndItsChanges() throws Exception {
        cluster = clusters.start(3, Map.of());
        String bootstrap = cluster.bootstrapServers();
        KafkaCli.run(KafkaCli.TOPICS, "--bootstrap-server", bootstrap, "--create", "--topic", "tools",
                "--partitions", "3", "--replication-factor", "3");
        cluster.awaitLeadersAndFullIsr(WAIT);

        List<String> metadata = kcat(bootstrap, "-L");
        assertThat(metadata).contains(" 3 brokers:");
        for (int node = 1; node <= 3; node++) {
            String address = cluster.node(node).bootstrapServers();
            assertThat(metadata).anyMatch(line -> line.startsWith("  broker ") && line.contains(address));
        }
        assertThat(metadata).filteredOn(line -> line.contains("partition ") && line.contains("replicas:"))
                .hasSize(3).allMatch(line -> line.matches(".*replicas: \\d,\\d,\\d, isrs: \\d,\\d,\\d.*"));

        List<String> before = describe(bootstrap, "tools");
        assertThat(before).hasSize(3).allMatch(line -> line.matches(".*Replicas: \\d,\\d,\\d Isr: \\d,\\d,\\d.*"));

        int victim = cluster.leaderOf("tools", 0);
        cluster.kill(victim);
        String alive = cluster.node(cluster.runningNodes().get(0)).bootstrapServers();
        LocalCluster.awaitCondition(WAIT, "kafka-topics to show node " + victim + " gone", () -> {
            try {
                List<String> lines = describe(alive, "tools");
                return lines.size() == 3 && lines.stream().noneMatch(line -> line.contains("Leader: " + victim + " "))
                        && lines.stream().allMatch(line -> !isrOf(line).contains(String.valueOf(victim)));
            } catch (Exception e) {
                return false;
            }
        });

        cluster.restart(victim);
        cluster.awaitLeadersAndFullIsr(WAIT);
        LocalCluster.awaitCondition(WAIT, "kafka-topics to show node " + victim + " back in every ISR", () -> {
            try {
                return describe(bootstrap, "tools").stream()
                        .allMatch(line -> isrOf(line).contains(String.valueOf(victim)));
            } catch (Exception e) {
                return false;
            }
        });

        List<String> quorum = KafkaCli.run(METADATA_QUORUM, "--bootstrap-server", bootstrap, "describe", "--status");
        int active = cluster.activeController();
        assertThat(quorum).anyMatch(line -> line.startsWith("ClusterId:")
                && line.contains(cluster.node(1).clusterId()));
        assertThat(quorum).anyMatch(line -> line.matches("LeaderId:\\s+" + active));
        assertThat(quorum).anyMatch(line -> line.startsWith("CurrentVoters:") && line.contains("\"id\": 1")
                && line.contains("\"id\": 2") && line.contains("\"id\": 3"));
    }

    private static String isrOf(String line) {
        int at = line.indexOf("Isr: ");
        String rest = line.substring(at + 5);
        int space = rest.indexOf(' ');
        return space < 0 ? rest : rest.substring(0, space);
    }
}
