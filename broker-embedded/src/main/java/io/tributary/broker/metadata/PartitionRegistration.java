package io.tributary.broker.metadata;

import java.util.List;

/** Where one partition lives: its replicas, in-sync replicas, leader and epochs, as the controller decided. */
public record PartitionRegistration(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                                    int partitionEpoch) {
    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
