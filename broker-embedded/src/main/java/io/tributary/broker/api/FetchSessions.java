package io.tributary.broker.api;

import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.FetchPartition;
import io.tributary.broker.replication.FetchResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * Incremental fetch sessions (KIP-227). A consumer opens a session with a full fetch (epoch 0); later fetches name
 * only the partitions that changed and get back only partitions with news (records, a moved high watermark or log
 * start, or an error). Sessions are bounded ({@code maxSessions}, least recently used evicted); a fetch for an
 * evicted or unknown session gets FETCH_SESSION_ID_NOT_FOUND and the client starts over with a full fetch.
 *
 * <p>Thread-safety: the cache map is guarded by {@code this}; one session serves one connection's fetches, which
 * Kafka's per-connection ordering serializes, but a session is still only touched under its own monitor.
 */
final class FetchSessions {
    private final int maxSessions;
    private final LinkedHashMap<Integer, Session> cache = new LinkedHashMap<>(16, 0.75f, true);

    FetchSessions(int maxSessions) {
        this.maxSessions = maxSessions;
    }

    /** A fetch rejected at the session level. */
    static final class SessionError extends Exception {
        private final Errors error;

        SessionError(Errors error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        Errors error() {
            return error;
        }
    }

    private static final class Session {
        final int id;
        final LinkedHashMap<TopicIdPartition, Cached> partitions = new LinkedHashMap<>();
        int nextEpoch = 1;

        Session(int id) {
            this.id = id;
        }
    }

    private static final class Cached {
        FetchPartition request;
        long highWatermark = -1;
        long logStartOffset = -1;
        long lastStableOffset = -1;

        Cached(FetchPartition request) {
            this.request = request;
        }
    }

    /** How one fetch uses the cache: what to read and which results to return. */
    interface Context {
        List<FetchPartition> partitionsToRead();

        boolean include(TopicIdPartition partition, FetchResult result);

        int responseSessionId();
    }

    Context open(FetchRequest request, List<FetchPartition> requested, MetadataImage image, boolean usesTopicIds)
            throws SessionError {
        FetchMetadata metadata = request.metadata();
        if (metadata.isFull()) {
            if (metadata.sessionId() != FetchMetadata.INVALID_SESSION_ID) {
                synchronized (this) {
                    cache.remove(metadata.sessionId());
                }
            }
            if (metadata.epoch() == FetchMetadata.FINAL_EPOCH) {
                return sessionless(requested);
            }
            Session session = create();
            synchronized (session) {
                for (FetchPartition partition : requested) {
                    session.partitions.put(partition.topicIdPartition(), new Cached(partition));
                }
            }
            return full(session, requested);
        }
        Session session;
        synchronized (this) {
            session = cache.get(metadata.sessionId());
        }
        if (session == null) {
            throw new SessionError(Errors.FETCH_SESSION_ID_NOT_FOUND);
        }
        synchronized (session) {
            if (session.nextEpoch != metadata.epoch()) {
                throw new SessionError(Errors.INVALID_FETCH_SESSION_EPOCH);
            }
            session.nextEpoch = metadata.epoch() == Integer.MAX_VALUE ? 1 : metadata.epoch() + 1;
            for (FetchRequestData.ForgottenTopic forgotten : request.data().forgottenTopicsData()) {
                TopicImage topic = usesTopicIds ? image.topic(forgotten.topicId()) : image.topic(forgotten.topic());
                for (int partition : forgotten.partitions()) {
                    session.partitions.keySet().removeIf(tip -> tip.partition() == partition
                            && (topic != null ? tip.topicId().equals(topic.id())
                            : usesTopicIds ? tip.topicId().equals(forgotten.topicId())
                            : tip.topic().equals(forgotten.topic())));
                }
            }
            for (FetchPartition partition : requested) {
                Cached cached = session.partitions.get(partition.topicIdPartition());
                if (cached == null) {
                    session.partitions.put(partition.topicIdPartition(), new Cached(partition));
                } else {
                    cached.request = partition;
                }
            }
            var toRead = new ArrayList<FetchPartition>();
            for (Cached cached : session.partitions.values()) {
                toRead.add(cached.request);
            }
            return incremental(session, toRead);
        }
    }

    private synchronized Session create() {
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (cache.containsKey(id));
        Session session = new Session(id);
        cache.put(id, session);
        while (cache.size() > maxSessions) {
            Integer eldest = cache.keySet().iterator().next();
            cache.remove(eldest);
        }
        return session;
    }

    private static Context sessionless(List<FetchPartition> requested) {
        return new Context() {
            @Override
            public List<FetchPartition> partitionsToRead() {
                return requested;
            }

            @Override
            public boolean include(TopicIdPartition partition, FetchResult result) {
                return true;
            }

            @Override
            public int responseSessionId() {
                return FetchMetadata.INVALID_SESSION_ID;
            }
        };
    }

    private static Context full(Session session, List<FetchPartition> requested) {
        return new Context() {
            @Override
            public List<FetchPartition> partitionsToRead() {
                return requested;
            }

            @Override
            public boolean include(TopicIdPartition partition, FetchResult result) {
                remember(session, partition, result);
                return true;
            }

            @Override
            public int responseSessionId() {
                return session.id;
            }
        };
    }

    private static Context incremental(Session session, List<FetchPartition> toRead) {
        return new Context() {
            @Override
            public List<FetchPartition> partitionsToRead() {
                return toRead;
            }

            @Override
            public boolean include(TopicIdPartition partition, FetchResult result) {
                return remember(session, partition, result);
            }

            @Override
            public int responseSessionId() {
                return session.id;
            }
        };
    }

    /**
     * Updates the cached view of a partition and says whether the client needs to hear about it: it has records
     * or an error, or its offsets moved. The next fetch offset advances past what is returned, as the client's
     * next request would say anyway.
     */
    private static boolean remember(Session session, TopicIdPartition partition, FetchResult result) {
        synchronized (session) {
            Cached cached = session.partitions.get(partition);
            if (cached == null) {
                return true;
            }
            boolean changed = result.error() != Errors.NONE || result.records().sizeInBytes() > 0
                    || result.divergingEpoch() != null
                    || cached.highWatermark != result.highWatermark()
                    || cached.logStartOffset != result.logStartOffset()
                    || cached.lastStableOffset != result.lastStableOffset();
            cached.highWatermark = result.highWatermark();
            cached.logStartOffset = result.logStartOffset();
            cached.lastStableOffset = result.lastStableOffset();
            return changed;
        }
    }

    synchronized int size() {
        return cache.size();
    }

}
