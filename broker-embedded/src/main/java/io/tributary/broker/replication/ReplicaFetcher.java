package io.tributary.broker.replication;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.FetchSessionHandler;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.LogContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fetcher thread: it copies the partitions this node follows from one leader (Kafka's
 * {@code ReplicaFetcherThread}). Each round is one Fetch with this node's replica id and broker epoch in an
 * incremental fetch session (KIP-227, kafka-clients' {@code FetchSessionHandler}, as Kafka's fetcher does): the request
 * names only the partitions whose fetch position changed, the answer only those with news, so a follower of many
 * quiet partitions (the internal topics' fifty) does not send and parse them all every round. It asks every partition
 * that is not backing off for its data from its log end, with its leader epoch
 * ({@code current_leader_epoch}) and the epoch of its last batch ({@code last_fetched_epoch}, KIP-320) so the leader
 * can report where the logs diverge. Each partition's answer is handled as Kafka's {@code AbstractFetcherThread} does:
 *
 * <pre>
 * NONE, records           append them as they are, then take the leader's high watermark and log start
 * NONE, diverging_epoch   truncate to where the logs agree ({@link #truncationOffset}); the next round goes on
 * OFFSET_OUT_OF_RANGE     ask the leader's log end: below ours, truncate to it; else ask its log start: above ours,
 *                         start over there ({@link LeaderOffsets})
 * any other error         the partition backs off for replica.fetch.backoff.ms; the others go on
 * no answer at all        every partition backs off
 * </pre>
 *
 * <p>A partition whose log directory failed (KafkaStorageException) is dropped, and so is one that fails in a way
 * nothing here explains, as Kafka marks it failed: it waits for the metadata to move it. Invalid records back off.
 *
 * <p>Thread-safety: {@code lock} guards the partitions; the thread holds it while it handles an answer (appends,
 * truncations), never while it waits for one, so {@link #remove} returns once no append for that partition is under
 * way or will start, and never waits for the network.
 */
final class ReplicaFetcher {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    /** How long the thread waits for a partition to be added when it has none ready (it is woken when one is). */
    private static final long IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final short FETCH_VERSION = ApiKeys.FETCH.latestVersion();

    /** A followed partition: the replica and when it may be fetched again after an error. */
    private static final class FetchState {
        final FollowerReplica replica;
        /** A {@link System#nanoTime()} reading, which may be negative: compared by difference only. */
        long backoffUntilNanos = System.nanoTime();

        FetchState(FollowerReplica replica) {
            this.replica = replica;
        }
    }

    /** What a round asked for a partition: the state it was asked for, and from which offset. */
    private record Requested(FetchState state, long fetchOffset) {
    }

    private final int leaderId;
    /** This fetcher's number among those of its leader, and its connection lane to it. */
    private final int fetcherId;
    private final int localNodeId;
    private final LongSupplier brokerEpoch;
    private final FetcherConfig config;
    private final InterBrokerSender sender;
    private final LeaderOffsets leaderOffsets;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition partitionsChanged = lock.newCondition();
    /** In fetch order: a partition that got data moves to the end, so no partition starves the others. */
    private final LinkedHashMap<TopicPartition, FetchState> partitions = new LinkedHashMap<>();
    private volatile boolean running = true;
    /** The request the thread waits for: cancelled by {@link #initiateShutdown} so the thread never waits long. */
    private volatile CompletableFuture<?> inFlight;
    private int failedRoundsInARow;
    /** The fetch session with the leader; only the fetcher thread uses it. */
    private final FetchSessionHandler session;

    ReplicaFetcher(int leaderId, int fetcherId, int localNodeId, LongSupplier brokerEpoch, FetcherConfig config,
                   InterBrokerSender sender) {
        this.leaderId = leaderId;
        this.localNodeId = localNodeId;
        this.brokerEpoch = brokerEpoch;
        this.config = config;
        this.sender = sender;
        this.fetcherId = fetcherId;
        this.leaderOffsets = new LeaderOffsets(leaderId, fetcherId, localNodeId, sender);
        this.session = new FetchSessionHandler(new LogContext("[ReplicaFetcher " + fetcherId + " of leader "
                + leaderId + "] "), leaderId);
        this.thread = new Thread(this::run, "ReplicaFetcherThread-" + fetcherId + "-" + leaderId);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Follows {@code replica} from its log end, at once (a partition followed again loses its backoff). */
    void add(FollowerReplica replica) {
        lock.lock();
        try {
            partitions.put(replica.topicPartition(), new FetchState(replica));
            partitionsChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops following {@code partition}: once this returns, nothing here touches it again. */
    void remove(TopicPartition partition) {
        lock.lock();
        try {
            partitions.remove(partition);
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return partitions.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    Set<TopicPartition> partitions() {
        lock.lock();
        try {
            return Set.copyOf(partitions.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** Tells the thread to stop, and abandons the fetch in flight; {@link #awaitShutdown} waits for it. */
    void initiateShutdown() {
        running = false;
        CompletableFuture<?> request = inFlight;
        if (request != null) {
            request.cancel(false);
        }
        lock.lock();
        try {
            partitionsChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void awaitShutdown(long timeoutMs) throws InterruptedException {
        thread.join(timeoutMs);
    }

    private void run() {
        log.info("Replica fetcher for leader {} started", leaderId);
        try {
            while (running) {
                Map<TopicPartition, Requested> requested = new LinkedHashMap<>();
                try {
                    FetchRequest.Builder fetch = nextFetch(requested);
                    if (fetch != null) {
                        fetchOnce(fetch, requested);
                    }
                } catch (RuntimeException e) {
                    // Nothing here expects one; the partitions back off, so a round that keeps failing does not spin.
                    log.error("Replica fetcher for leader {}: a fetch round failed", leaderId, e);
                    failedRound(requested.keySet(), e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("Replica fetcher for leader {} stopped", leaderId);
    }

    /**
     * The next round's Fetch, with what it asks in {@code requested}; null (after waiting) when no partition is
     * ready: none is followed, or all back off.
     */
    private FetchRequest.Builder nextFetch(Map<TopicPartition, Requested> requested) throws InterruptedException {
        lock.lock();
        try {
            long now = System.nanoTime();
            long nextReady = now + IDLE_WAIT_NANOS;
            FetchSessionHandler.Builder fetchData = session.newBuilder();
            for (Iterator<Map.Entry<TopicPartition, FetchState>> it = partitions.entrySet().iterator();
                 it.hasNext(); ) {
                Map.Entry<TopicPartition, FetchState> entry = it.next();
                FetchState state = entry.getValue();
                if (state.backoffUntilNanos - now > 0) {
                    nextReady = Math.min(nextReady, state.backoffUntilNanos);
                    continue;
                }
                try {
                    FollowerReplica replica = state.replica;
                    long fetchOffset = replica.logEndOffset();
                    int lastFetchedEpoch = replica.latestEpoch();
                    fetchData.add(entry.getKey(), new FetchRequest.PartitionData(replica.topicId(), fetchOffset,
                            replica.logStartOffset(), config.fetchMaxBytes(), Optional.of(replica.leaderEpoch()),
                            lastFetchedEpoch >= 0 ? Optional.of(lastFetchedEpoch) : Optional.empty()));
                    requested.put(entry.getKey(), new Requested(state, fetchOffset));
                } catch (KafkaStorageException e) {
                    log.error("Stopped fetching {} from {}: its log directory is offline", entry.getKey(), leaderId);
                    it.remove();
                }
            }
            if (requested.isEmpty()) {
                if (running) {
                    partitionsChanged.awaitNanos(Math.max(1, nextReady - now));
                }
                return null;
            }
            FetchSessionHandler.FetchRequestData data = fetchData.build();
            return FetchRequest.Builder.forReplica(FETCH_VERSION, localNodeId, brokerEpoch.getAsLong(),
                            config.maxWaitMs(), config.minBytes(), data.toSend())
                    .removed(data.toForget())
                    .replaced(data.toReplace())
                    .metadata(data.metadata())
                    .setMaxBytes(config.responseMaxBytes());
        } finally {
            lock.unlock();
        }
    }

    private void fetchOnce(FetchRequest.Builder fetch, Map<TopicPartition, Requested> requested)
            throws InterruptedException {
        FetchResponse response;
        try {
            response = (FetchResponse) await(sender.send(leaderId, fetcherId, fetch));
        } catch (CancellationException e) {
            return; // shutting down
        } catch (ExecutionException e) {
            session.handleError(e.getCause());
            failedRound(requested.keySet(), e.getCause());
            return;
        }
        if (!session.handleResponse(response, FETCH_VERSION)) {
            // The session is reset and the next round starts a new one with a full request; a session the leader
            // evicted or lost (it restarted) is no reason to back off.
            Errors error = response.error();
            if (error != Errors.FETCH_SESSION_ID_NOT_FOUND && error != Errors.INVALID_FETCH_SESSION_EPOCH) {
                failedRound(requested.keySet(), error == Errors.NONE
                        ? new IllegalStateException("the leader's answer does not fit the fetch session")
                        : error.exception());
            }
            return;
        }
        if (failedRoundsInARow > 0) {
            log.info("Fetching from leader {} again", leaderId);
            failedRoundsInARow = 0;
        }
        List<Map.Entry<TopicPartition, Requested>> outOfRange = handle(response, requested);
        for (Map.Entry<TopicPartition, Requested> entry : outOfRange) {
            resetOffset(entry.getKey(), entry.getValue().state());
        }
    }

    /** Waits for {@code request}, which {@link #initiateShutdown} cancels. */
    private <T> T await(CompletableFuture<T> request) throws InterruptedException, ExecutionException {
        inFlight = request;
        try {
            if (!running) {
                request.cancel(false);
            }
            return request.get();
        } finally {
            inFlight = null;
        }
    }

    /** No answer: every partition asked for backs off (Kafka's handlePartitionsWithErrors). */
    private void failedRound(Set<TopicPartition> asked, Throwable cause) {
        if (!running) {
            return;
        }
        if (failedRoundsInARow++ == 0) {
            log.warn("Fetch from leader {} failed, backing off {} ms: {}", leaderId, config.backoffMs(),
                    cause.toString());
        } else {
            log.debug("Fetch from leader {} failed again: {}", leaderId, cause.toString());
        }
        lock.lock();
        try {
            for (TopicPartition partition : asked) {
                FetchState state = partitions.get(partition);
                if (state != null) {
                    backOff(state);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Handles each partition's answer under the lock; returns the partitions whose offset is out of range, which
     * need the leader's offsets (asked without the lock).
     */
    private List<Map.Entry<TopicPartition, Requested>> handle(FetchResponse response,
                                                              Map<TopicPartition, Requested> requested) {
        var outOfRange = new ArrayList<Map.Entry<TopicPartition, Requested>>();
        boolean unknownToLeader = false;
        Map<Uuid, String> topicNames = new HashMap<>();
        for (Map.Entry<TopicPartition, Requested> entry : requested.entrySet()) {
            topicNames.put(entry.getValue().state().replica.topicId(), entry.getKey().topic());
        }
        lock.lock();
        try {
            for (FetchResponseData.FetchableTopicResponse topic : response.data().responses()) {
                String name = topic.topic().isEmpty() ? topicNames.get(topic.topicId()) : topic.topic();
                for (FetchResponseData.PartitionData data : topic.partitions()) {
                    var partition = new TopicPartition(String.valueOf(name), data.partitionIndex());
                    Requested asked = requested.get(partition);
                    FetchState state = partitions.get(partition);
                    // Removed, followed again, or truncated since the fetch went out: this answer is stale.
                    if (asked == null || state != asked.state() || !logEndIs(state, asked.fetchOffset())) {
                        continue;
                    }
                    Errors error = Errors.forCode(data.errorCode());
                    if (error == Errors.NONE) {
                        if (handleData(partition, state, data)) {
                            outOfRange.add(Map.entry(partition, asked));
                        }
                    } else if (error == Errors.OFFSET_OUT_OF_RANGE) {
                        outOfRange.add(Map.entry(partition, asked));
                    } else {
                        log.debug("Fetch of {} from leader {} answered {}; backing off", partition, leaderId, error);
                        backOff(state);
                        // A partition the leader does not know (yet: its metadata may lag this node's) is not in the
                        // leader's session, while the session handler thinks it is: start a new session, or the
                        // partition would never be asked for again.
                        unknownToLeader |= error == Errors.UNKNOWN_TOPIC_ID
                                || error == Errors.UNKNOWN_TOPIC_OR_PARTITION;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (unknownToLeader) {
            session.handleError(new IllegalStateException("a partition is unknown to leader " + leaderId));
        }
        return outOfRange;
    }

    private boolean logEndIs(FetchState state, long offset) {
        try {
            return state.replica.logEndOffset() == offset;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Handles an answer without error; true when the leader's offsets must decide where to fetch from. */
    private boolean handleData(TopicPartition partition, FetchState state, FetchResponseData.PartitionData data) {
        FollowerReplica replica = state.replica;
        try {
            if (FetchResponse.isDivergingEpoch(data)) {
                if (data.divergingEpoch().endOffset() < 0) {
                    // The leader knows no epoch at or below ours (an empty epoch cache): its offsets decide.
                    return true;
                }
                truncateOnDivergence(partition, replica, data.divergingEpoch());
                return false;
            }
            MemoryRecords records = memoryRecords(FetchResponse.recordsOrFail(data));
            if (records.sizeInBytes() > 0) {
                startAtStraddlingBatch(partition, replica, records);
                replica.appendRecordsAsFollower(records);
                // Fetched data goes last next round, so a busy partition cannot crowd the others out.
                partitions.remove(partition);
                partitions.put(partition, state);
            }
            replica.updateFollowerOffsets(data.highWatermark(), data.logStartOffset());
        } catch (CorruptRecordException | InvalidRecordException e) {
            // Kafka's reasoning: a transient state (a truncation, a partial write) gets fixed by a later fetch,
            // and one bad partition must not stop the others.
            log.error("Invalid records fetched for {} at offset {} from leader {}: {}", partition,
                    replica.logEndOffset(), leaderId, e.getMessage());
            backOff(state);
        } catch (NotLeaderOrFollowerException | FencedLeaderEpochException e) {
            log.debug("{} no longer follows leader {} here: {}", partition, leaderId, e.getMessage());
            backOff(state);
        } catch (KafkaStorageException e) {
            log.error("Stopped fetching {} from leader {}: its log directory is offline", partition, leaderId);
            partitions.remove(partition);
        } catch (RuntimeException e) {
            log.error("Stopped fetching {} from leader {} after an unexpected error; it waits for the metadata to "
                    + "move it", partition, leaderId, e);
            partitions.remove(partition);
        }
        return false;
    }

    /**
     * The leader's log start lies inside the first batch it sent, and this log is empty at that start: the leader
     * deleted records below an offset inside a batch (DeleteRecords) and this replica starts after them. The log
     * starts over at the batch's base offset so the batch fits; the leader's log start comes right after the append
     * (Kafka's {@code Partition.appendRecordsToFollowerOrFutureReplica} does the same).
     */
    private void startAtStraddlingBatch(TopicPartition partition, FollowerReplica replica, MemoryRecords records) {
        Iterator<MutableRecordBatch> batches = records.batches().iterator();
        if (!batches.hasNext()) {
            return;
        }
        MutableRecordBatch first = batches.next();
        long end = replica.logEndOffset();
        if (first.baseOffset() < end && first.lastOffset() >= end && end == replica.logStartOffset()) {
            log.info("{}: the first batch from leader {} starts at {}, below this empty log's start {}; starting "
                    + "the log there", partition, leaderId, first.baseOffset(), end);
            replica.truncateFullyAndStartAt(first.baseOffset());
        }
    }

    private void truncateOnDivergence(TopicPartition partition, FollowerReplica replica,
                                      FetchResponseData.EpochEndOffset diverging) {
        long end = replica.logEndOffset();
        FollowerReplica.EpochEndOffset ours = replica.endOffsetForEpoch(diverging.epoch());
        long offset = truncationOffset(diverging.epoch(), diverging.endOffset(), ours, end);
        log.info("{}: the log diverges from leader {}'s (its epoch {} ends at {}); truncating from {} to {}",
                partition, leaderId, diverging.epoch(), diverging.endOffset(), end, offset);
        replica.truncateTo(offset);
    }

    /**
     * Where a follower truncates when the leader reports that its epoch {@code leaderEpoch} ends at
     * {@code leaderEndOffset} (Kafka's {@code AbstractFetcherThread.getOffsetTruncationState}), given the follower's
     * own end offset of that epoch, {@code ours}, and its log end:
     * <ul>
     *   <li>the follower knows no epoch at or below it: the leader's end offset;
     *   <li>it knows only a lower epoch: that epoch's end here. The logs may still diverge below; the next fetch
     *       carries the lower epoch as its last fetched epoch and the leader answers again;
     *   <li>it knows the same epoch: where the first of the two logs ends it.
     * </ul>
     * Never past the follower's log end.
     */
    static long truncationOffset(int leaderEpoch, long leaderEndOffset, FollowerReplica.EpochEndOffset ours,
                                 long logEndOffset) {
        long offset;
        if (ours.epoch() < 0) {
            offset = leaderEndOffset;
        } else if (ours.epoch() != leaderEpoch) {
            offset = ours.endOffset();
        } else {
            offset = Math.min(ours.endOffset(), leaderEndOffset);
        }
        return Math.min(offset, logEndOffset);
    }

    /**
     * The fetch offset is outside the leader's log (Kafka's {@code ReplicaFetcherThread.fetchOffsetAndTruncate}):
     * past its end, this log truncates to that end (a tail the leader does not have); below its start, this log
     * starts over, empty, at the leader's start. Asks the leader without the lock, then applies the answer only if
     * the partition is still followed as it was.
     */
    private void resetOffset(TopicPartition partition, FetchState state) throws InterruptedException {
        FollowerReplica replica = state.replica;
        try {
            long leaderEnd = await(leaderOffsets.logEnd(replica));
            if (apply(partition, state, () -> {
                long end = replica.logEndOffset();
                if (leaderEnd < end) {
                    log.warn("{}: fetch offset {} is past leader {}'s log end {}; truncating to it", partition, end,
                            leaderId, leaderEnd);
                    replica.truncateTo(leaderEnd);
                    return true;
                }
                return false;
            })) {
                return;
            }
            long leaderStart = await(leaderOffsets.logStart(replica));
            apply(partition, state, () -> {
                long end = replica.logEndOffset();
                if (leaderStart > end) {
                    log.info("{}: log end {} is below leader {}'s log start {}; starting the log over there",
                            partition, end, leaderId, leaderStart);
                    replica.truncateFullyAndStartAt(leaderStart);
                } else {
                    backOff(state);
                }
                return true;
            });
        } catch (CancellationException e) {
            // shutting down
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof KafkaStorageException) {
                log.error("Stopped fetching {} from {}: its log directory is offline", partition, leaderId);
                apply(partition, state, () -> partitions.remove(partition) != null);
                return;
            }
            log.warn("Cannot find leader {}'s offsets for {}: {}", leaderId, partition, cause.toString());
            apply(partition, state, () -> {
                backOff(state);
                return true;
            });
        }
    }

    private interface LockedAction {
        boolean run();
    }

    /** Runs {@code action} under the lock if {@code partition} is still followed as {@code state}; else true. */
    private boolean apply(TopicPartition partition, FetchState state, LockedAction action) {
        lock.lock();
        try {
            return partitions.get(partition) != state || action.run();
        } finally {
            lock.unlock();
        }
    }

    private void backOff(FetchState state) {
        if (state != null) {
            state.backoffUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.backoffMs());
        }
    }

    /** The fetched records as MemoryRecords: they are when parsed from a response; anything else is copied. */
    private static MemoryRecords memoryRecords(Records records) {
        if (records instanceof MemoryRecords memory) {
            return memory;
        }
        try {
            ByteBuffer buffer = ByteBuffer.allocate(records.sizeInBytes());
            ((FileRecords) records).readInto(buffer, 0);
            return MemoryRecords.readableRecords(buffer);
        } catch (java.io.IOException e) {
            throw new KafkaStorageException("Cannot read fetched records", e);
        }
    }
}
