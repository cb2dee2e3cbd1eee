package io.tributary.broker.group;

/**
 * The group coordinator's settings, from the broker configs of the same Kafka names.
 *
 * @param offsetsTopicNumPartitions     {@code offsets.topic.num.partitions}, used until the topic exists
 * @param minSessionTimeoutMs           {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs           {@code group.max.session.timeout.ms}
 * @param initialRebalanceDelayMs       {@code group.initial.rebalance.delay.ms}
 * @param maxSize                       {@code group.max.size}
 * @param newMemberJoinTimeoutMs        how long a new member's parked JoinGroup may wait (Kafka: 5 minutes)
 * @param offsetsRetentionMs            {@code offsets.retention.minutes}, in ms
 * @param offsetsRetentionCheckIntervalMs {@code offsets.retention.check.interval.ms}
 * @param offsetMetadataMaxBytes        {@code offset.metadata.max.bytes}
 */
public record GroupConfig(int offsetsTopicNumPartitions, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          int initialRebalanceDelayMs, int maxSize, int newMemberJoinTimeoutMs,
                          long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs, int offsetMetadataMaxBytes) {

    /** Kafka's defaults. */
    public static GroupConfig defaults() {
        return new GroupConfig(50, 6_000, 1_800_000, 3_000, Integer.MAX_VALUE, 300_000, 7L * 24 * 60 * 60 * 1000,
                600_000, 4096);
    }
}
