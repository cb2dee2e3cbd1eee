package io.tributary.broker.metadata;

import java.util.List;

/**
 * The controller quorum as one node sees it (DescribeQuorum): the leader and its epoch, the high watermark (the last
 * committed index), and per voter how far its log reaches.
 */
public record QuorumState(int leaderId, long leaderEpoch, long highWatermark, List<Replica> voters,
                          List<Replica> observers) {
    public QuorumState {
        voters = List.copyOf(voters);
        observers = List.copyOf(observers);
    }

    /**
     * One member: where its quorum listener is (null host when unknown), its log end, and when the leader last heard
     * from it and last saw it caught up (-1 when unknown).
     */
    public record Replica(int nodeId, String host, int port, long logEndOffset, long lastFetchTimestamp,
                          long lastCaughtUpTimestamp) {
    }
}
