package io.tributary.broker.replication;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.protocol.Errors;

/**
 * The in-sync replicas as a leader sees them (Kafka's {@code PartitionState} in Partition.scala): the set the
 * controller committed, and whether a change of it is under way. Only the controller changes the ISR; the leader
 * proposes one change at a time with AlterPartition and waits for the answer.
 *
 * <pre>
 *              propose                    success
 * Committed ──────────────▶ Pending ─────────────────────▶ Committed (the answer's ISR)
 *    ▲                        │ error: not applied ─────▶ Refused ──(next image)──▶ Committed
 *    │                        │ error: our view is stale ▶ Stale ──(changed registration)──▶ Committed
 *    │                        │ error: outcome unknown ─▶ Unanswered ──(next image, next ISR check)──▶ Pending
 *    └──────── a changed registration from the controller, from any state ◀──────────────────────────┘
 * </pre>
 *
 * <p>The high watermark and acks=all count the {@link #maximalIsr()} (KIP-497): an expansion counts its new member
 * from the moment it is proposed, since adding a replica only makes the high watermark stricter, while a shrink
 * counts only once committed; while the outcome of a change is unknown, its maximal ISR stays in force.
 */
public sealed interface IsrState {

    /** The ISR the controller committed. */
    Set<Integer> isr();

    /** The replicas the high watermark waits for: the committed ISR plus any member a pending expansion adds. */
    Set<Integer> maximalIsr();

    /** Whether the leader may propose a change now: only when no change is pending or waiting for metadata. */
    default boolean acceptsProposals() {
        return false;
    }

    /**
     * Where a new metadata image that leaves the registration as it was takes this state: a refused change may be
     * proposed again, one without an answer is sent again (the returned {@link Pending}); others stay.
     */
    default IsrState afterImage() {
        return this;
    }

    /**
     * Where an AlterPartition error takes {@code change} (Kafka's {@code handleAlterPartitionError}): refused when
     * the controller says it was not applied, stale when it says this leader's view is out of date, unanswered
     * otherwise.
     */
    static IsrState afterFailure(Pending change, Errors error) {
        return switch (error) {
            case OPERATION_NOT_ATTEMPTED, INELIGIBLE_REPLICA -> new Refused(change.isr());
            case FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, NEW_LEADER_ELECTED, UNKNOWN_TOPIC_OR_PARTITION,
                 UNKNOWN_TOPIC_ID, INVALID_REQUEST -> new Stale(change);
            default -> new Unanswered(change);
        };
    }

    record Committed(Set<Integer> isr) implements IsrState {
        public Committed {
            isr = Set.copyOf(isr);
        }

        @Override
        public Set<Integer> maximalIsr() {
            return isr;
        }

        @Override
        public boolean acceptsProposals() {
            return true;
        }
    }

    /** An AlterPartition in flight, proposing {@code proposedIsr} (in replica order). */
    record Pending(Set<Integer> isr, List<Integer> proposedIsr) implements IsrState {
        public Pending {
            isr = Set.copyOf(isr);
            proposedIsr = List.copyOf(proposedIsr);
        }

        /** Proposes {@code isr} plus {@code replicaId}, listed in the order of {@code replicas}. */
        static Pending adding(Set<Integer> isr, int replicaId, List<Integer> replicas) {
            var proposed = new HashSet<>(isr);
            proposed.add(replicaId);
            return new Pending(isr, inReplicaOrder(replicas, proposed));
        }

        /** Proposes {@code isr} without {@code outOfSync}, listed in the order of {@code replicas}. */
        static Pending removing(Set<Integer> isr, Set<Integer> outOfSync, List<Integer> replicas) {
            var proposed = new HashSet<>(isr);
            proposed.removeAll(outOfSync);
            return new Pending(isr, inReplicaOrder(replicas, proposed));
        }

        private static List<Integer> inReplicaOrder(List<Integer> replicas, Set<Integer> members) {
            var ordered = new ArrayList<Integer>(members.size());
            for (int replica : replicas) {
                if (members.contains(replica)) {
                    ordered.add(replica);
                }
            }
            for (int member : members) {
                if (!ordered.contains(member)) {
                    ordered.add(member);
                }
            }
            return ordered;
        }

        @Override
        public Set<Integer> maximalIsr() {
            var maximal = new HashSet<>(isr);
            maximal.addAll(proposedIsr);
            return maximal;
        }
    }

    /**
     * The controller said the change was not applied (OPERATION_NOT_ATTEMPTED, INELIGIBLE_REPLICA): back to the
     * committed ISR, with no new proposal until the next metadata image, which may change what is eligible.
     */
    record Refused(Set<Integer> isr) implements IsrState {
        public Refused {
            isr = Set.copyOf(isr);
        }

        @Override
        public Set<Integer> maximalIsr() {
            return isr;
        }

        @Override
        public IsrState afterImage() {
            return new Committed(isr);
        }
    }

    /**
     * The controller answered that this leader's view is out of date (FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION,
     * NEW_LEADER_ELECTED, an unknown topic, or a registration older than ours): the change stays in force until a
     * changed registration arrives, as Kafka keeps it pending.
     */
    record Stale(Pending change) implements IsrState {
        @Override
        public Set<Integer> isr() {
            return change.isr();
        }

        @Override
        public Set<Integer> maximalIsr() {
            return change.maximalIsr();
        }
    }

    /**
     * No answer (timeout, no controller, an unexpected error): the change may or may not have been applied, so it
     * stays in force and is sent again with the next metadata image or the next ISR check.
     */
    record Unanswered(Pending change) implements IsrState {
        @Override
        public Set<Integer> isr() {
            return change.isr();
        }

        @Override
        public IsrState afterImage() {
            return change;
        }

        @Override
        public Set<Integer> maximalIsr() {
            return change.maximalIsr();
        }
    }
}
