package io.tributary.broker.replication;

import org.apache.kafka.common.TopicIdPartition;

/**
 * One partition of a fetch: where to read from and how much. A follower also says which epoch its log ends in
 * ({@code lastFetchedEpoch}, KIP-320; -1 when unknown) and where its log starts (-1 from consumers).
 */
public record FetchPartition(TopicIdPartition topicIdPartition, long fetchOffset, int maxBytes,
                             int currentLeaderEpoch, int lastFetchedEpoch, long logStartOffset) {

    /** A consumer's partition: no last fetched epoch, no log start. */
    public FetchPartition(TopicIdPartition topicIdPartition, long fetchOffset, int maxBytes, int currentLeaderEpoch) {
        this(topicIdPartition, fetchOffset, maxBytes, currentLeaderEpoch, -1, -1);
    }
}
