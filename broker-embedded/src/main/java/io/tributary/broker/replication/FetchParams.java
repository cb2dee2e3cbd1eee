package io.tributary.broker.replication;

import org.apache.kafka.common.IsolationLevel;

/**
 * Request-level fetch settings (KIP-74, KIP-98): wait, size bounds and isolation. {@code replicaId} is a broker
 * id for a follower's fetch, negative for a consumer's.
 */
public record FetchParams(int replicaId, long maxWaitMs, int minBytes, int maxBytes, IsolationLevel isolation) {

    /** A follower copying the log (Kafka's {@code isFromFollower}): it reads up to the log end, uncommitted. */
    public boolean isFromFollower() {
        return replicaId >= 0;
    }
}
