package io.tributary.broker.group;

/**
 * A group's committed position in one partition, as OffsetCommit stored it and OffsetFetch returns it.
 *
 * @param leaderEpoch       the leader epoch of the last consumed record (-1 when the client did not send one)
 * @param metadata          the client's string, never null (a null in the request is stored as "")
 * @param expireTimestampMs when the offset expires by the retention its commit asked for (OffsetCommit v2-4's
 *                          {@code RetentionTimeMs}), or -1 when it follows {@code offsets.retention.minutes}
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs,
                              long expireTimestampMs) {
    /** An offset without a retention of its own. */
    public CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
        this(offset, leaderEpoch, metadata, commitTimestampMs, -1L);
    }

    /** Whether the commit asked for a retention of its own. */
    boolean hasOwnExpiry() {
        return expireTimestampMs >= 0;
    }
}
