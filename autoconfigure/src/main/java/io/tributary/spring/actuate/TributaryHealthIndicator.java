package io.tributary.spring.actuate;

import io.tributary.broker.metrics.BrokerStatus;
import io.tributary.spring.broker.ClusterSummary;
import io.tributary.spring.broker.EmbeddedBroker;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the cluster the application uses ({@code tributary} in {@code /actuator/health}), with the
 * {@link ClusterSummary} (mode, bootstrap servers, where they came from, data directory, how to change them).
 *
 * <p>Embedded: UP while the node runs with no offline partition and every log directory online with at least
 * {@code minFreeDiskBytes} free; under-replicated partitions are reported (a single node has none). External: UP
 * when the cluster answers {@code describeCluster} within the timeout.
 */
final class TributaryHealthIndicator extends AbstractHealthIndicator {
    private final EmbeddedBroker broker;
    private final ClusterView cluster;
    private final ClusterSummary summary;
    private final long minFreeDiskBytes;

    TributaryHealthIndicator(EmbeddedBroker broker, ClusterView cluster, ClusterSummary summary,
                             long minFreeDiskBytes) {
        super("Tributary health check failed");
        this.broker = broker;
        this.cluster = cluster;
        this.summary = summary;
        this.minFreeDiskBytes = minFreeDiskBytes;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (summary != null) {
            // Said first, so a DOWN (whose details keep what was set before the failure) still names the cluster.
            builder.withDetails(summary.details());
        }
        if (broker == null || (summary != null && !summary.source().equals("embedded broker"))) {
            ClusterView.ClusterInfo info = cluster.cluster();
            builder.up().withDetail("mode", summary != null ? summary.mode() : "external")
                    .withDetail("clusterId", info.clusterId())
                    .withDetail("nodes", info.nodes()).withDetail("controller", info.controller());
            return;
        }
        BrokerStatus status = broker.broker().status();
        List<Map<String, Object>> logDirs = status.logDirs().stream().map(dir -> Map.<String, Object>of(
                "path", dir.path(), "online", dir.online(), "usableBytes", dir.usableBytes(),
                "totalBytes", dir.totalBytes())).toList();
        boolean disksOk = status.logDirs().stream().allMatch(dir -> dir.online() && dir.usableBytes() >= minFreeDiskBytes);
        boolean up = status.running() && status.offlinePartitions() == 0 && disksOk;
        (up ? builder.up() : builder.down())
                .withDetail("mode", "embedded")
                .withDetail("bootstrapServers", broker.bootstrapServers())
                .withDetail("partitions", status.partitionCount())
                .withDetail("offlinePartitions", status.offlinePartitions())
                .withDetail("underReplicatedPartitions", status.underReplicatedPartitions())
                .withDetail("logSizeBytes", status.logSizeBytes())
                .withDetail("logDirs", logDirs);
        if (!status.running()) {
            builder.withDetail("reason", "the embedded broker is stopped");
        } else if (!disksOk) {
            builder.withDetail("reason", "a log directory is offline or has less than " + minFreeDiskBytes
                    + " bytes free (tributary.health.min-free-disk)");
        } else if (status.offlinePartitions() > 0) {
            builder.withDetail("reason", status.offlinePartitions() + " partitions are offline");
        }
    }

}
