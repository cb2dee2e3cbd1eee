package io.tributary.broker.replication;

import org.apache.kafka.common.IsolationLevel;

/** Request-level fetch settings (KIP-74, KIP-98): wait, size bounds and isolation. */
public record FetchParams(int replicaId, long maxWaitMs, int minBytes, int maxBytes, IsolationLevel isolation) {
}
