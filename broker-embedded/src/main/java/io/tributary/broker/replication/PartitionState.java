package io.tributary.broker.replication;

import java.util.List;
import java.util.Set;

/**
 * This node's role for one partition, as the controller's latest registration (or this leader's own AlterPartition)
 * made it: the leader and partition epochs it was given, and the partition's replicas.
 */
public sealed interface PartitionState {

    int leaderEpoch();

    /** The registration's version (KIP-497): an AlterPartition names it, and a registration below it is stale. */
    int partitionEpoch();

    List<Integer> replicas();

    /**
     * This node leads the partition. {@code epochStartOffset} is where its epoch began, the log end when it took
     * over: a follower joins the ISR only once it has everything below it (Kafka's leaderEpochStartOffsetOpt).
     */
    record Leader(int leaderEpoch, int partitionEpoch, List<Integer> replicas, long epochStartOffset,
                  IsrState isrState) implements PartitionState {
        public Leader {
            replicas = List.copyOf(replicas);
        }

        /** The ISR the controller committed. */
        public Set<Integer> isr() {
            return isrState.isr();
        }

        Leader withIsrState(IsrState changed) {
            return new Leader(leaderEpoch, partitionEpoch, replicas, epochStartOffset, changed);
        }
    }

    /** Another node leads ({@code leaderId}, -1 while there is none); this one copies from it. */
    record Follower(int leaderEpoch, int partitionEpoch, List<Integer> replicas, int leaderId)
            implements PartitionState {
        public Follower {
            replicas = List.copyOf(replicas);
        }
    }

    /** This node holds no replica role yet (the partition is being created or removed). */
    record Offline(int leaderEpoch) implements PartitionState {
        @Override
        public int partitionEpoch() {
            return -1;
        }

        @Override
        public List<Integer> replicas() {
            return List.of();
        }
    }
}
