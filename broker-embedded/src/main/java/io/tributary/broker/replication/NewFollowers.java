package io.tributary.broker.replication;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.utils.Time;

/**
 * Followers that this node just became the leader for, while their fetches may still lack the new partitions.
 *
 * <p>A follower adds a partition to its fetch session only with its next Fetch. Until then, a fetch it has parked
 * here for up to {@code replica.fetch.wait.max.ms} (500 ms) does not name the partition, so the first acks=all
 * writes to a new partition (a topic just created, {@code __consumer_offsets} on a group's first JoinGroup) wait that
 * long for the follower to start copying. So on becoming leader this node answers the followers' parked fetches at
 * once, and for {@link #WINDOW_MS} parks their fetches only {@link #SHORT_WAIT_MS}: the follower may apply the same
 * metadata a little later than this node, and then only its next fetch names the partition.
 *
 * <p>Thread-safety: a concurrent map; read on every follower fetch, written on leadership changes.
 */
final class NewFollowers {
    /** How long after a leadership change a follower's fetches park briefly; followers apply it within ms. */
    static final long WINDOW_MS = 1_000;
    /** The longest such a fetch parks: short enough for a first write, long enough not to spin. */
    static final long SHORT_WAIT_MS = 10;

    private final Map<Integer, Long> untilMs = new ConcurrentHashMap<>();
    private final Time time;

    NewFollowers(Time time) {
        this.time = time;
    }

    /** This node now leads partitions that {@code followers} copy. */
    void joined(Collection<Integer> followers) {
        long until = time.milliseconds() + WINDOW_MS;
        for (int follower : followers) {
            untilMs.put(follower, until);
        }
    }

    /** How long a fetch of {@code replicaId} asking to wait {@code maxWaitMs} may park. */
    long maxWaitMs(int replicaId, long maxWaitMs) {
        Long until = untilMs.get(replicaId);
        if (until == null) {
            return maxWaitMs;
        }
        if (until - time.milliseconds() <= 0) {
            untilMs.remove(replicaId, until);
            return maxWaitMs;
        }
        return Math.min(maxWaitMs, SHORT_WAIT_MS);
    }
}
