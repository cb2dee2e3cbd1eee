package io.tributary.broker.replication;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * A leader's record of the partition's other replicas (Kafka's remote {@code Replica}s): one {@link ReplicaState}
 * per follower, and the rules that read them: where the high watermark may go, who fell out of sync, who may
 * join the ISR.
 *
 * <p>Not thread-safe: the owning {@link Partition} uses it under its append lock.
 */
final class RemoteReplicas {
    private final int localBrokerId;
    private final Map<Integer, ReplicaState> states = new HashMap<>();

    RemoteReplicas(int localBrokerId) {
        this.localBrokerId = localBrokerId;
    }

    /**
     * Starts a new leader epoch (Kafka's {@code resetReplicaState}): a node that did not lead before knows nothing
     * of its followers; one re-elected keeps their offsets. Either way ISR members count as caught up now.
     */
    void startEpoch(List<Integer> replicas, Set<Integer> isr, long nowMs, long leaderEndOffset, boolean wasLeader) {
        Map<Integer, ReplicaState> previous = wasLeader ? Map.copyOf(states) : Map.of();
        states.clear();
        for (int replica : replicas) {
            if (replica == localBrokerId) {
                continue;
            }
            boolean inSync = isr.contains(replica);
            ReplicaState known = previous.get(replica);
            states.put(replica, known == null ? ReplicaState.unknown(nowMs, inSync)
                    : known.reelected(nowMs, leaderEndOffset, inSync));
        }
    }

    /** Follows a changed replica set within an epoch: new replicas start unknown, removed ones are forgotten. */
    void updateAssignment(List<Integer> replicas, long nowMs) {
        states.keySet().retainAll(replicas);
        for (int replica : replicas) {
            if (replica != localBrokerId) {
                states.putIfAbsent(replica, ReplicaState.unknown(nowMs, false));
            }
        }
    }

    void clear() {
        states.clear();
    }

    boolean contains(int replicaId) {
        return states.containsKey(replicaId);
    }

    ReplicaState get(int replicaId) {
        return states.get(replicaId);
    }

    /** Records a follower's fetch; returns whether its log end moved. */
    boolean recordFetch(int replicaId, long fetchOffset, long followerLogStartOffset, long fetchTimeMs,
                        long leaderEndOffset) {
        ReplicaState before = states.get(replicaId);
        ReplicaState after = before.afterFetch(fetchOffset, followerLogStartOffset, fetchTimeMs, leaderEndOffset);
        states.put(replicaId, after);
        return after.logEndOffset() != before.logEndOffset();
    }

    /**
     * Where the high watermark may go (Kafka's {@code maybeIncrementLeaderHW}): the smallest log end among the
     * leader and the members of {@code maximalIsr}, and also among replicas outside it that are caught up and so
     * about to join: waiting for them keeps a follower that is catching up from being outrun forever. Only replicas
     * that may join ({@code isrEligible}: their broker is registered and unfenced) are waited for: a dead follower
     * that was caught up a moment ago must not hold the high watermark for {@code replica.lag.time.max.ms}.
     */
    long highWatermarkBound(long leaderEndOffset, Set<Integer> maximalIsr, long nowMs, long maxLagMs,
                            IntPredicate isrEligible) {
        long bound = leaderEndOffset;
        for (var entry : states.entrySet()) {
            ReplicaState state = entry.getValue();
            if (state.logEndOffset() < bound && (maximalIsr.contains(entry.getKey())
                    || (state.isCaughtUp(leaderEndOffset, nowMs, maxLagMs) && isrEligible.test(entry.getKey())))) {
                bound = state.logEndOffset();
            }
        }
        return bound;
    }

    /**
     * The members of {@code isr} other than the leader that have not been caught up for {@code maxLagMs} (Kafka's
     * {@code getOutOfSyncReplicas}: stuck and slow followers alike). A member this leader has no state for (not a
     * replica any more) is out of sync.
     */
    Set<Integer> outOfSync(Set<Integer> isr, long leaderEndOffset, long nowMs, long maxLagMs) {
        var out = new LinkedHashSet<Integer>();
        for (int replica : isr) {
            if (replica == localBrokerId) {
                continue;
            }
            ReplicaState state = states.get(replica);
            if (state == null || !state.isCaughtUp(leaderEndOffset, nowMs, maxLagMs)) {
                out.add(replica);
            }
        }
        return out;
    }

    /**
     * Whether {@code replicaId}, outside the ISR, may join it (Kafka's {@code isFollowerInSync}): it has everything
     * below the high watermark and everything of earlier epochs, so it could become leader without losing an
     * acknowledged record.
     */
    boolean mayJoinIsr(int replicaId, long highWatermark, long epochStartOffset) {
        ReplicaState state = states.get(replicaId);
        return state != null && state.logEndOffset() >= highWatermark && state.logEndOffset() >= epochStartOffset;
    }
}
