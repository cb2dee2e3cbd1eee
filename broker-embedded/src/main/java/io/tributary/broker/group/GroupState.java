package io.tributary.broker.group;

import java.util.Set;

/**
 * The states of a classic group, as Kafka names them (DescribeGroups and ListGroups report {@link #kafkaName()}):
 *
 * <pre>
 *            ┌──────────── member joins ───────────┐
 *            ▼                                     │
 *   Empty ─▶ PreparingRebalance ─▶ CompletingRebalance ─▶ Stable
 *     ▲          │  ▲                    │                 │
 *     └ no one ──┘  └── join / leave / expiry ─────────────┘
 *       rejoined
 *   any state ─▶ Dead (group deleted)
 * </pre>
 */
public sealed interface GroupState {
    GroupState EMPTY = new Empty();
    GroupState PREPARING_REBALANCE = new PreparingRebalance();
    GroupState COMPLETING_REBALANCE = new CompletingRebalance();
    GroupState STABLE = new Stable();
    GroupState DEAD = new Dead();

    String kafkaName();

    /** The states this one may be entered from. */
    Set<Class<? extends GroupState>> validPrevious();

    /** No members; the group may still hold committed offsets. */
    record Empty() implements GroupState {
        public String kafkaName() {
            return "Empty";
        }

        public Set<Class<? extends GroupState>> validPrevious() {
            return Set.of(PreparingRebalance.class);
        }
    }

    /** Waiting for every member to (re)join, bounded by the rebalance timeout. */
    record PreparingRebalance() implements GroupState {
        public String kafkaName() {
            return "PreparingRebalance";
        }

        public Set<Class<? extends GroupState>> validPrevious() {
            return Set.of(Stable.class, CompletingRebalance.class, Empty.class);
        }
    }

    /** Joined; waiting for the leader's SyncGroup with the assignment. */
    record CompletingRebalance() implements GroupState {
        public String kafkaName() {
            return "CompletingRebalance";
        }

        public Set<Class<? extends GroupState>> validPrevious() {
            return Set.of(PreparingRebalance.class);
        }
    }

    /** Every member has its assignment for the current generation. */
    record Stable() implements GroupState {
        public String kafkaName() {
            return "Stable";
        }

        public Set<Class<? extends GroupState>> validPrevious() {
            return Set.of(CompletingRebalance.class);
        }
    }

    /** Deleted (or moved away): requests get COORDINATOR_NOT_AVAILABLE and retry. */
    record Dead() implements GroupState {
        public String kafkaName() {
            return "Dead";
        }

        public Set<Class<? extends GroupState>> validPrevious() {
            return Set.of(Empty.class, PreparingRebalance.class, CompletingRebalance.class, Stable.class, Dead.class);
        }
    }
}
