package io.tributary.broker.testing;

import io.tributary.broker.server.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link LocalCluster} per test, in a data folder of its own, stopped and deleted after the test. A test class
 * registers it ({@code @RegisterExtension final ClusterFixture clusters = new ClusterFixture();}) and calls
 * {@link #start}.
 */
public final class ClusterFixture implements AfterEachCallback {
    private LocalCluster cluster;
    private Path root;

    /** Starts {@code nodes} nodes with {@code overrides} on each; returns once every node joined. */
    public LocalCluster start(int nodes, Map<String, String> overrides) throws IOException {
        root = Files.createTempDirectory("tributary-cluster-");
        cluster = LocalCluster.start(nodes, root, overrides);
        return cluster;
    }

    /** The data folder of the running cluster (each node's log.dirs is {@code node-<id>} in it). */
    public Path root() {
        return root;
    }

    /** Creates a topic with {@code configs} through Kafka's Admin client. */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs)
            throws Exception {
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) replicationFactor).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
        if (root != null) {
            try (Stream<Path> paths = Files.walk(root)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
            root = null;
        }
    }
}
