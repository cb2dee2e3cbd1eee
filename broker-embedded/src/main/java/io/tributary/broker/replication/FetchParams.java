package io.tributary.broker.replication;

import org.apache.kafka.common.IsolationLevel;

/**
 * Request-level fetch settings (KIP-74, KIP-98): wait, size bounds and isolation. {@code replicaId} is a broker
 * id for a follower's fetch, negative for a consumer's. {@code leaderOnly}: only a leader may answer (a follower
 * answers NOT_LEADER_OR_FOLLOWER); a consumer's Fetch from v11 may also be served by a follower (KIP-392).
 */
public record FetchParams(int replicaId, long maxWaitMs, int minBytes, int maxBytes, IsolationLevel isolation,
                          boolean leaderOnly) {

    /** Settings of a fetch that only a leader may answer. */
    public FetchParams(int replicaId, long maxWaitMs, int minBytes, int maxBytes, IsolationLevel isolation) {
        this(replicaId, maxWaitMs, minBytes, maxBytes, isolation, true);
    }

    /** A follower copying the log (Kafka's {@code isFromFollower}): it reads up to the log end, uncommitted. */
    public boolean isFromFollower() {
        return replicaId >= 0;
    }
}
