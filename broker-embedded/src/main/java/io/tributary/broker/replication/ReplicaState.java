package io.tributary.broker.replication;

/**
 * What a leader knows of one follower replica, learnt from its fetches (Kafka's {@code ReplicaState} in
 * Replica.scala). {@code logEndOffset} is the offset the follower last fetched from, -1 while unknown.
 *
 * <p>{@code lastCaughtUpTimeMs} is the latest time at which the follower had everything the leader had: a fetch
 * from the leader's log end at that moment, or a fetch reaching the log end the leader had at the follower's
 * previous fetch, which then counts from that previous fetch. The second rule lets a follower that always trails
 * a leader taking a steady stream of small appends stay in sync: it is in sync when it lags by at most
 * {@code replica.lag.time.max.ms}, not when it never lags.
 */
record ReplicaState(long logStartOffset, long logEndOffset, long lastFetchLeaderLogEndOffset, long lastFetchTimeMs,
                    long lastCaughtUpTimeMs) {
    static final long UNKNOWN_OFFSET = -1;

    /**
     * The state of a follower when this node becomes leader at a new epoch, having not led before: its log end is
     * unknown until it fetches. It counts as caught up now when the controller has it in the ISR, and as never
     * caught up otherwise, so a replica outside the ISR holds nothing back before it fetches.
     */
    static ReplicaState unknown(long nowMs, boolean inSync) {
        return new ReplicaState(UNKNOWN_OFFSET, UNKNOWN_OFFSET, UNKNOWN_OFFSET, 0, inSync ? nowMs : 0);
    }

    /**
     * The state when this node, already leader, is re-elected at a new epoch: the follower's offsets are kept, its
     * last fetch counts from now (or never, outside the ISR, so it cannot rejoin before fetching).
     */
    ReplicaState reelected(long nowMs, long leaderEndOffset, boolean inSync) {
        return new ReplicaState(logStartOffset, logEndOffset, leaderEndOffset, inSync ? nowMs : 0,
                inSync ? nowMs : 0);
    }

    /**
     * After a fetch from {@code fetchOffset} at {@code fetchTimeMs}, when the leader's log ended at
     * {@code leaderEndOffset}.
     */
    ReplicaState afterFetch(long fetchOffset, long followerLogStartOffset, long fetchTimeMs, long leaderEndOffset) {
        long caughtUp = lastCaughtUpTimeMs;
        if (fetchOffset >= leaderEndOffset) {
            caughtUp = Math.max(caughtUp, fetchTimeMs);
        } else if (fetchOffset >= lastFetchLeaderLogEndOffset) {
            caughtUp = Math.max(caughtUp, lastFetchTimeMs);
        }
        return new ReplicaState(followerLogStartOffset, fetchOffset,
                Math.max(leaderEndOffset, lastFetchLeaderLogEndOffset), fetchTimeMs, caughtUp);
    }

    /** Kafka's {@code isCaughtUp}: at the leader's log end, or caught up within the last {@code maxLagMs}. */
    boolean isCaughtUp(long leaderEndOffset, long nowMs, long maxLagMs) {
        return leaderEndOffset == logEndOffset || nowMs - lastCaughtUpTimeMs <= maxLagMs;
    }
}
