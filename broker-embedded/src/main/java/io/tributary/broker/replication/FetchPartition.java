package io.tributary.broker.replication;

import org.apache.kafka.common.TopicIdPartition;

/** One partition of a fetch: where to read from and how much. */
public record FetchPartition(TopicIdPartition topicIdPartition, long fetchOffset, int maxBytes,
                             int currentLeaderEpoch) {
}
