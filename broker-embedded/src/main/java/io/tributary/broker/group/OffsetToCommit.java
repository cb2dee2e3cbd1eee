package io.tributary.broker.group;

import org.apache.kafka.common.TopicPartition;

/** One partition's offset in an OffsetCommit, as the client sent it ({@code metadata} may be null). */
public record OffsetToCommit(TopicPartition partition, long offset, int leaderEpoch, String metadata) {
}
