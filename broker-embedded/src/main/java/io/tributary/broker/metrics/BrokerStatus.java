package io.tributary.broker.metrics;

import java.util.List;

/**
 * A node's state at one moment, for health checks.
 *
 * @param running                   false once the broker has been closed
 * @param partitionCount            partitions hosted on this node, internal topics ({@code __consumer_offsets},
 *                                  {@code __transaction_state}) included
 * @param offlinePartitions         hosted partitions without a leader or whose log is not online
 * @param underReplicatedPartitions partitions whose in-sync replica set is smaller than their replica set
 * @param logSizeBytes              bytes of all partition logs on this node
 * @param logDirs                   each log directory's state
 */
public record BrokerStatus(boolean running, int partitionCount, int offlinePartitions, int underReplicatedPartitions,
                           long logSizeBytes, List<LogDirStatus> logDirs) {
}
