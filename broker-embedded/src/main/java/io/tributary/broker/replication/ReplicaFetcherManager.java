package io.tributary.broker.replication;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica fetchers of this node (Kafka's {@code AbstractFetcherManager}): for each leader it follows partitions
 * from, {@code num.replica.fetchers} {@link ReplicaFetcher} threads, a partition always on the same one (by a hash of
 * the partition, as Kafka's {@code getFetcherId}). Fetchers start with their first partition and stop when their last
 * one leaves. Follows the {@link ReplicaManager}'s role changes as its {@link FollowerListener}.
 *
 * <p>Thread-safety: one lock guards the fetcher table; {@link #follow} and {@link #unfollow} hold it while they move
 * a partition, which waits at most for the append its fetcher is doing, never for the network.
 */
public final class ReplicaFetcherManager implements FollowerListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherManager.class);
    private static final long SHUTDOWN_WAIT_MS = 10_000;

    private record FetcherKey(int leaderId, int fetcherId) {
    }

    private final int localNodeId;
    private final LongSupplier brokerEpoch;
    private final FetcherConfig config;
    private final InterBrokerSender sender;
    private final Object lock = new Object();
    private final Map<FetcherKey, ReplicaFetcher> fetchers = new HashMap<>();
    private final Map<TopicPartition, FetcherKey> fetcherOf = new HashMap<>();
    private boolean closed;

    /**
     * @param brokerEpoch this node's broker epoch from its registration (KIP-903: fetches carry it so a leader can
     *                    tell a restarted replica from the one it knew), -1 before it registered
     * @param sender      the way to the leaders
     */
    public ReplicaFetcherManager(int localNodeId, LongSupplier brokerEpoch, FetcherConfig config,
                                 InterBrokerSender sender) {
        this.localNodeId = localNodeId;
        this.brokerEpoch = brokerEpoch;
        this.config = config;
        this.sender = sender;
    }

    /**
     * Fetches {@code replica} from its {@link FollowerReplica#leaderId() leader} from now on, from its log end: moved
     * from the fetcher of a former leader if need be, its backoff forgotten.
     */
    public void follow(FollowerReplica replica) {
        TopicPartition partition = replica.topicPartition();
        int leaderId = replica.leaderId();
        if (leaderId < 0 || leaderId == localNodeId) {
            unfollow(partition);
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            var key = new FetcherKey(leaderId, fetcherId(partition));
            FetcherKey current = fetcherOf.get(partition);
            if (current != null && !current.equals(key)) {
                removeFrom(current, partition);
            }
            ReplicaFetcher fetcher = fetchers.get(key);
            if (fetcher == null) {
                fetcher = new ReplicaFetcher(leaderId, key.fetcherId(), localNodeId, brokerEpoch, config, sender);
                fetchers.put(key, fetcher);
                fetcher.start();
            }
            fetcher.add(replica);
            fetcherOf.put(partition, key);
        }
    }

    /** Stops fetching {@code partition}: once this returns, no fetcher touches it again. */
    public void unfollow(TopicPartition partition) {
        synchronized (lock) {
            FetcherKey key = fetcherOf.remove(partition);
            if (key != null) {
                removeFrom(key, partition);
            }
        }
    }

    @Override
    public void startFollowing(Collection<? extends FollowerReplica> replicas) {
        for (FollowerReplica replica : replicas) {
            follow(replica);
        }
    }

    @Override
    public void stopFollowing(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            unfollow(partition);
        }
    }

    /** The partitions fetched now, by the leader they are fetched from. */
    public Map<Integer, Set<TopicPartition>> followedByLeader() {
        synchronized (lock) {
            var byLeader = new HashMap<Integer, Set<TopicPartition>>();
            for (Map.Entry<FetcherKey, ReplicaFetcher> entry : fetchers.entrySet()) {
                byLeader.computeIfAbsent(entry.getKey().leaderId(), id -> new java.util.HashSet<>())
                        .addAll(entry.getValue().partitions());
            }
            return byLeader;
        }
    }

    private void removeFrom(FetcherKey key, TopicPartition partition) {
        ReplicaFetcher fetcher = fetchers.get(key);
        if (fetcher == null) {
            return;
        }
        fetcher.remove(partition);
        if (fetcher.isEmpty()) {
            fetchers.remove(key);
            fetcher.initiateShutdown();
        }
    }

    /** Kafka's {@code AbstractFetcherManager.getFetcherId}. */
    private int fetcherId(TopicPartition partition) {
        return Utils.abs(31 * partition.topic().hashCode() + partition.partition()) % config.numFetchers();
    }

    /** Stops every fetcher and waits for their threads (a fetch in flight is abandoned). */
    @Override
    public void close() {
        List<ReplicaFetcher> stopping;
        synchronized (lock) {
            closed = true;
            stopping = new ArrayList<>(fetchers.values());
            fetchers.clear();
            fetcherOf.clear();
        }
        for (ReplicaFetcher fetcher : stopping) {
            fetcher.initiateShutdown();
        }
        for (ReplicaFetcher fetcher : stopping) {
            try {
                fetcher.awaitShutdown(SHUTDOWN_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.warn("Interrupted while stopping the replica fetchers");
                return;
            }
        }
    }
}
