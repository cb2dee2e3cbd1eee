package io.tributary.broker.replication;

import java.util.Set;

/** This node's role for one partition. */
public sealed interface PartitionState {

    int leaderEpoch();

    /** This node leads the partition; {@code isr} are the replicas known to be in sync. */
    record Leader(int leaderEpoch, Set<Integer> isr) implements PartitionState {
        public Leader {
            isr = Set.copyOf(isr);
        }
    }

    /** Another node leads; this one copies from it. */
    record Follower(int leaderEpoch, int leaderId) implements PartitionState {
    }

    /** This node holds no replica role yet (the partition is being created or removed). */
    record Offline(int leaderEpoch) implements PartitionState {
    }
}
