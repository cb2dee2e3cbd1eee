package io.tributary.broker.replication;

import java.util.Collection;
import org.apache.kafka.common.TopicPartition;

/**
 * Told by the {@link ReplicaManager} when partitions this node hosts start or stop following a leader, so the
 * replica fetchers follow the metadata (Kafka's {@code ReplicaFetcherManager} calls in {@code applyDelta}).
 *
 * <p>Both are called on the metadata publishing thread, in image order. {@link #stopFollowing} is called before a
 * partition becomes leader here or is removed, and must return only once no fetcher touches those partitions any
 * more: a leader's log must never take a follower's append.
 */
public interface FollowerListener {

    /** These partitions follow {@link FollowerReplica#leaderId()} from {@link FollowerReplica#leaderEpoch()} on. */
    void startFollowing(Collection<? extends FollowerReplica> replicas);

    /** These partitions follow no one any more (they lead here, lost their leader, or leave this node). */
    void stopFollowing(Collection<TopicPartition> partitions);

    FollowerListener NONE = new FollowerListener() {
        @Override
        public void startFollowing(Collection<? extends FollowerReplica> replicas) {
        }

        @Override
        public void stopFollowing(Collection<TopicPartition> partitions) {
        }
    };
}
