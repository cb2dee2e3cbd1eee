package io.tributary.broker.group;

/**
 * A group's committed position in one partition, as OffsetCommit stored it and OffsetFetch returns it.
 *
 * @param leaderEpoch the leader epoch of the last consumed record (-1 when the client did not send one)
 * @param metadata    the client's string, never null (a null in the request is stored as "")
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
}
