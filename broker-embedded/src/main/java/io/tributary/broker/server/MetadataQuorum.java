package io.tributary.broker.server;

import io.tributary.broker.metadata.LocalMetadataLog;
import io.tributary.broker.metadata.MetadataLog;
import io.tributary.broker.metadata.ObserverMetadataLog;
import io.tributary.broker.metadata.RaftMetadataLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * Where a node's metadata log comes from: a single node (no {@code controller.quorum.voters}) keeps it in a local
 * file; a controller of a cluster is a voter of the controller quorum on Ratis, and keeps its copy in
 * {@code <metadata.log.dir>/__cluster_metadata}; a node that is only a broker follows the quorum's log without a copy
 * of its own.
 */
final class MetadataQuorum {
    static final String DIR = "__cluster_metadata";

    private MetadataQuorum() {
    }

    static MetadataLog open(BrokerConfig config) {
        Path dir = config.metadataLogDir().resolve(DIR);
        if (!config.isClustered()) {
            return new LocalMetadataLog(dir, config.nodeId());
        }
        var voters = new ArrayList<RaftMetadataLog.Voter>();
        for (BrokerConfig.Voter voter : config.voters()) {
            voters.add(new RaftMetadataLog.Voter(voter.id(), voter.host(), voter.port()));
        }
        var settings = new RaftMetadataLog.Settings(Duration.ofMillis(config.controllerQuorumElectionTimeoutMs()),
                RaftMetadataLog.Settings.DEFAULT.requestTimeout(), RaftMetadataLog.Settings.DEFAULT.snapshotEvery(),
                Duration.ofMillis(config.initialBrokerRegistrationTimeoutMs()));
        if (!config.isController()) {
            return new ObserverMetadataLog(config.nodeId(), voters, votersText(config), settings);
        }
        BrokerConfig.Listener controllerListener = config.controllerListener();
        String bindHost = controllerListener == null ? null : controllerListener.host();
        // The Raft group is named after the voters, not the cluster id: nodes that disagree on the id still form the
        // quorum, and the controller then refuses the registrations of the other cluster (INCONSISTENT_CLUSTER_ID).
        return new RaftMetadataLog(config.nodeId(), voters, bindHost, dir.resolve("raft"), votersText(config),
                settings);
    }

    /**
     * The cluster id of a cluster that did not set {@code cluster.id}: derived from its voters, so every node given
     * the same {@code controller.quorum.voters} agrees on it without a format step; a data directory of another
     * cluster (another id in its {@code meta.properties}) is then refused.
     */
    static String derivedClusterId(BrokerConfig config) {
        UUID uuid = UUID.nameUUIDFromBytes(("tributary-cluster:" + votersText(config))
                .getBytes(StandardCharsets.UTF_8));
        return new Uuid(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits()).toString();
    }

    /** {@code controller.quorum.voters} in id order, the same text on every node of the cluster. */
    private static String votersText(BrokerConfig config) {
        return config.voters().stream().sorted(Comparator.comparingInt(BrokerConfig.Voter::id))
                .map(voter -> voter.id() + "@" + voter.host() + ":" + voter.port())
                .collect(Collectors.joining(","));
    }
}
