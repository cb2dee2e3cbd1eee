package io.tributary.broker.replication;

import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.log.LogOffsetMetadata;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.log.RecordBatchValidator;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.txn.ProducerStateTable;
import io.tributary.broker.txn.TransactionVerifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this node hosts, and the produce and fetch paths through them.
 *
 * <p>Follows the {@link MetadataImage}: when an image arrives it opens the logs of new partitions, applies config
 * changes and each partition's registration (leader or follower, ISR, epochs), tells the {@link FollowerListener}
 * which partitions start or stop following a leader, and deletes the logs of removed topics. Produce appends as
 * leader and answers per {@code acks}: acks=all waits in the {@link ProducePurgatory} until the high watermark
 * passes the records. A consumer's fetch reads up to the high watermark, a follower's (a replica id) up to the log
 * end, recording where the follower is; either parks in the {@link FetchPurgatory} when there is less than
 * {@code fetch.min.bytes}. Whatever moves a partition's high watermark or leadership re-checks both purgatories
 * for it.
 */
public final class ReplicaManager {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    /** How long a coordinator's own acks=all append waits (Kafka's {@code offsets.commit.timeout.ms} default). */
    public static final long COORDINATOR_APPEND_TIMEOUT_MS = 5_000;
    /** How long a transaction marker waits to be replicated (Kafka's {@code request.timeout.ms} default). */
    public static final long MARKER_APPEND_TIMEOUT_MS = 30_000;
    /** {@code replica.lag.time.max.ms}'s default. */
    public static final long DEFAULT_REPLICA_LAG_TIME_MAX_MS = 30_000;

    private final int localBrokerId;
    private final int recoveryThreads;
    private final LogManager logManager;
    private final FetchPurgatory fetchPurgatory;
    private final ProducePurgatory producePurgatory;
    private final Time time;
    private final Partition.Replication replication;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Hosted partitions whose log could not be opened because its directory failed: offline until a restart. */
    private final Set<TopicPartition> unopenable = ConcurrentHashMap.newKeySet();
    private volatile FollowerListener followerListener = FollowerListener.NONE;
    /** The last image applied: tells a partition hosted elsewhere from one that does not exist. */
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private final NewFollowers newFollowers;

    public ReplicaManager(int localBrokerId, LogManager logManager, FetchPurgatory fetchPurgatory, Time time) {
        this(localBrokerId, logManager, fetchPurgatory, time, 1);
    }

    /** A node that is the only replica of what it hosts: it never proposes an ISR change. */
    public ReplicaManager(int localBrokerId, LogManager logManager, FetchPurgatory fetchPurgatory, Time time,
                          int recoveryThreads) {
        this(localBrokerId, logManager, fetchPurgatory, new ProducePurgatory(fetchPurgatory.timer()), time,
                recoveryThreads, DEFAULT_REPLICA_LAG_TIME_MAX_MS, AlterPartitionSender.NONE);
    }

    /**
     * @param replicaLagTimeMaxMs  {@code replica.lag.time.max.ms}: a follower not caught up this long leaves the ISR
     * @param alterPartitionSender how leaders propose ISR changes to the controller
     */
    public ReplicaManager(int localBrokerId, LogManager logManager, FetchPurgatory fetchPurgatory,
                          ProducePurgatory producePurgatory, Time time, int recoveryThreads, long replicaLagTimeMaxMs,
                          AlterPartitionSender alterPartitionSender) {
        this.recoveryThreads = recoveryThreads;
        this.localBrokerId = localBrokerId;
        this.logManager = logManager;
        this.fetchPurgatory = fetchPurgatory;
        this.producePurgatory = producePurgatory;
        this.time = time;
        this.newFollowers = new NewFollowers(time);
        this.replication = new Partition.Replication(time, replicaLagTimeMaxMs, alterPartitionSender,
                this::completeDelayed, this::isrEligible, logManager::checkpoint);
    }

    /**
     * Whether a replica on {@code brokerId} may be in an ISR (Kafka's {@code isReplicaIsrEligible}): its broker is
     * registered and not fenced. An image without registrations (a node that never registered) counts everyone.
     */
    private boolean isrEligible(int brokerId) {
        MetadataImage current = image;
        if (current.brokers().isEmpty()) {
            return true;
        }
        var broker = current.broker(brokerId);
        return broker != null && !broker.fenced();
    }

    /** Where the partitions that start or stop following a leader are reported; none until set. */
    public void followerListener(FollowerListener listener) {
        this.followerListener = listener;
    }

    public Partition partition(TopicPartition topicPartition) {
        return partitions.get(topicPartition);
    }

    /**
     * The error for a partition with no {@link Partition} here: KAFKA_STORAGE_ERROR when this node hosts it but its
     * log could not be opened (its log directory failed, at start or since), NOT_LEADER_OR_FOLLOWER when it exists
     * on other nodes (Kafka's answer, so a client with stale metadata refreshes it), UNKNOWN_TOPIC_OR_PARTITION
     * otherwise.
     */
    public Errors absentPartitionError(TopicPartition topicPartition) {
        if (unopenable.contains(topicPartition)) {
            return Errors.KAFKA_STORAGE_ERROR;
        }
        TopicImage topic = image.topic(topicPartition.topic());
        return topic != null && topic.partitions().containsKey(topicPartition.partition())
                ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }

    /** Counts of the hosted partitions, for the node's status. */
    public record PartitionSummary(int partitions, int offline, int underReplicated, long logSizeBytes) {
    }

    /**
     * Hosted partitions, how many are offline (no role here, or their log directory failed) or under-replicated, and
     * their logs' size.
     */
    public PartitionSummary summary() {
        int count = unopenable.size();
        int offline = unopenable.size();
        int underReplicated = 0;
        long bytes = 0;
        for (Partition partition : partitions.values()) {
            count++;
            if (partition.state() instanceof PartitionState.Offline || partition.isOffline()) {
                offline++;
            } else if (partition.isUnderReplicated()) {
                underReplicated++;
            }
            bytes += partition.log().sizeInBytes();
        }
        return new PartitionSummary(count, offline, underReplicated, bytes);
    }

    public Collection<Partition> partitions() {
        return partitions.values();
    }

    /** Whether this node hosts the partition in a log directory that failed (see {@link Partition#isOffline}). */
    public boolean isOffline(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        return partition != null ? partition.isOffline() : unopenable.contains(tp);
    }

    /**
     * Brings the hosted partitions in line with {@code image}. Called on the controller's publish path, in image
     * order. Partitions about to lead here, and those leaving this node, stop following before anything changes
     * (Kafka's {@code applyLocalLeadersDelta} removes their fetchers first); partitions that follow a new leader or
     * a new leader epoch are reported once their registration is applied.
     */
    public synchronized void applyImage(MetadataImage image, ConfigResolver configs) {
        Set<TopicPartition> wanted = new HashSet<>();
        var hosted = new ArrayList<Hosted>();
        var toOpen = new ArrayList<Hosted>();
        var recreated = new ArrayList<TopicPartition>();
        for (TopicImage topic : image.topicsByName().values()) {
            LogConfig config = configs.logConfig(image, topic.name());
            for (var entry : topic.partitions().entrySet()) {
                PartitionRegistration registration = entry.getValue();
                if (!registration.replicas().contains(localBrokerId)) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic.name(), entry.getKey());
                wanted.add(tp);
                Partition partition = partitions.get(tp);
                if (partition != null && !partition.topicId().equals(topic.id())) {
                    recreated.add(tp);
                    partition = null;
                }
                var host = new Hosted(tp, topic.id(), config, registration);
                hosted.add(host);
                if (partition == null && !unopenable.contains(tp)) {
                    // A log that could not be opened is not tried again: its directory is offline until a restart.
                    toOpen.add(host);
                }
            }
        }
        var leaving = new ArrayList<>(recreated);
        for (TopicPartition tp : partitions.keySet()) {
            if (!wanted.contains(tp)) {
                leaving.add(tp);
            }
        }
        for (Hosted host : hosted) {
            Partition partition = partitions.get(host.tp());
            if (partition != null && !recreated.contains(host.tp())
                    && partition.wouldTakeLeadership(host.registration())) {
                leaving.add(host.tp());
            }
        }
        if (!leaving.isEmpty()) {
            followerListener.stopFollowing(leaving);
        }
        // The partition of a deleted topic's name now belongs to a re-created topic: its old log goes first.
        recreated.forEach(this::remove);
        this.image = image;
        openAll(toOpen);
        var following = new ArrayList<Partition>();
        var leaderless = new ArrayList<TopicPartition>();
        Set<Integer> followersOfNewLeaderships = new HashSet<>();
        for (Hosted host : hosted) {
            Partition partition = partitions.get(host.tp());
            if (partition == null) {
                continue;
            }
            if (!partition.log().config().equals(host.config())) {
                partition.updateConfig(host.config());
            }
            Partition.RoleChange change = partition.applyRegistration(host.registration());
            if (change == Partition.RoleChange.FOLLOWER) {
                if (partition.leaderId() >= 0) {
                    following.add(partition);
                } else {
                    leaderless.add(host.tp());
                }
            } else if (change == Partition.RoleChange.LEADER) {
                followersOfNewLeaderships.addAll(host.registration().replicas());
            }
        }
        followersOfNewLeaderships.remove(localBrokerId);
        if (!followersOfNewLeaderships.isEmpty()) {
            newFollowers.joined(followersOfNewLeaderships);
            fetchPurgatory.completeReplicaFetches(followersOfNewLeaderships);
        }
        if (!leaderless.isEmpty()) {
            followerListener.stopFollowing(leaderless);
        }
        if (!following.isEmpty()) {
            followerListener.startFollowing(following);
        }
        var known = new ArrayList<>(partitions.keySet());
        known.addAll(unopenable);
        for (TopicPartition tp : known) {
            if (!wanted.contains(tp)) {
                remove(tp);
            }
        }
        logManager.deleteStrayLogs(name -> {
            int dash = name.lastIndexOf('-');
            TopicImage topic = image.topic(name.substring(0, dash));
            return topic != null;
        });
    }

    /** A partition this node hosts in the image being applied. */
    private record Hosted(TopicPartition tp, Uuid topicId, LogConfig config, PartitionRegistration registration) {
    }

    /**
     * Opens (and, after a crash, recovers) the logs of newly hosted partitions, {@code recoveryThreads} at a time
     * ({@code num.recovery.threads.per.data.dir} per log directory), as Kafka does at start.
     */
    private void openAll(List<Hosted> toOpen) {
        if (toOpen.size() <= 1 || recoveryThreads <= 1) {
            toOpen.forEach(this::open);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(recoveryThreads, toOpen.size()), runnable -> {
            Thread thread = new Thread(runnable, "tributary-log-recovery");
            thread.setDaemon(true);
            return thread;
        });
        try {
            var opened = new ArrayList<Future<?>>();
            for (Hosted host : toOpen) {
                opened.add(pool.submit(() -> open(host)));
            }
            for (Future<?> future : opened) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while opening partition logs", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("Cannot open a partition log", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private void open(Hosted host) {
        // The producer state is rebuilt in the same pass that loads (and after a crash, recovers) the log.
        var producers = new ProducerStateTable();
        PartitionLog partitionLog;
        try {
            partitionLog = logManager.getOrCreate(host.tp(), host.topicId(), host.config(), producers::update);
        } catch (KafkaStorageException e) {
            // Its log directory failed (LogManager logged it and took it offline): the partition stays offline here
            // and the node serves the others, as Kafka's HostedPartition.Offline.
            unopenable.add(host.tp());
            log.warn("Partition {} is offline: {}", host.tp(), e.getMessage());
            return;
        }
        partitions.put(host.tp(), new Partition(host.tp(), host.topicId(), localBrokerId, partitionLog, producers,
                replication));
    }

    private void remove(TopicPartition tp) {
        partitions.remove(tp);
        unopenable.remove(tp);
        logManager.delete(tp);
        completeDelayed(tp);
        log.info("Removed partition {}", tp);
    }

    /** Re-checks the fetches and produces parked on {@code tp}: its data, high watermark or leadership changed. */
    private void completeDelayed(TopicPartition tp) {
        fetchPurgatory.checkAndComplete(tp);
        producePurgatory.checkAndComplete(tp);
    }

    /**
     * Proposes ISR shrinks where followers fell behind (Kafka's {@code maybeShrinkIsr}); the node runs it every
     * {@code replica.lag.time.max.ms / 2}.
     */
    public void maybeShrinkIsr() {
        for (Partition partition : partitions.values()) {
            try {
                partition.maybeShrinkIsr();
            } catch (RuntimeException e) {
                log.warn("{}: ISR check failed: {}", partition.topicPartition(), e.toString());
            }
        }
    }

    /** Answers every parked acks=all produce now (shutdown): those still waiting get REQUEST_TIMED_OUT. */
    public void shutdown() {
        producePurgatory.completeAll();
    }

    /**
     * Appends a coordinator's own batches (offset commits, transaction state): trusted, so transactional ones are
     * not verified and their sequence numbers are not checked. The answer comes once replicated per
     * {@code requiredAcks}, within {@link #COORDINATOR_APPEND_TIMEOUT_MS}.
     */
    public CompletableFuture<Map<TopicPartition, PartitionResponse>> appendRecords(
            short requiredAcks, Map<TopicPartition, MemoryRecords> records) {
        return appendRecords(requiredAcks, COORDINATOR_APPEND_TIMEOUT_MS, records, null);
    }

    /** As {@link #appendRecords(short, long, Map, TransactionVerifier)} with a 30 s timeout. */
    public CompletableFuture<Map<TopicPartition, PartitionResponse>> appendRecords(
            short requiredAcks, Map<TopicPartition, MemoryRecords> records, TransactionVerifier verifier) {
        return appendRecords(requiredAcks, MARKER_APPEND_TIMEOUT_MS, records, verifier);
    }

    /**
     * Appends each partition's batches as leader and answers per {@code acks} (Kafka's {@code appendRecords}):
     * acks=0 and 1 once the batches are in the local log; acks=all once the high watermark passed each partition's
     * last offset, or after {@code timeoutMs} with REQUEST_TIMED_OUT for those not there yet (see
     * {@link DelayedProduce}). With this node the only in-sync replica the high watermark is there at once.
     * {@code verifier} checks a producer's first transactional batch in a partition (KIP-890); null marks a
     * coordinator's append.
     */
    public CompletableFuture<Map<TopicPartition, PartitionResponse>> appendRecords(
            short requiredAcks, long timeoutMs, Map<TopicPartition, MemoryRecords> records,
            TransactionVerifier verifier) {
        var responses = new LinkedHashMap<TopicPartition, PartitionResponse>();
        var answer = new CompletableFuture<Map<TopicPartition, PartitionResponse>>();
        DelayedProduce delayed = requiredAcks != -1 ? null
                : new DelayedProduce(responses, partitions::get, this::absentPartitionError, answer, producePurgatory);
        long now = time.milliseconds();
        for (var entry : records.entrySet()) {
            TopicPartition tp = entry.getKey();
            Partition partition = partitions.get(tp);
            if (partition == null) {
                responses.put(tp, new PartitionResponse(absentPartitionError(tp)));
                continue;
            }
            // Taken before the append: if the epoch moved in between, the wait ends NOT_LEADER_OR_FOLLOWER, a
            // retriable answer, never an acknowledgement a new leader may not honour.
            int leaderEpoch = partition.leaderEpoch();
            try {
                LogAppendInfo info = partition.appendRecordsToLeader(entry.getValue(), requiredAcks, now, verifier);
                responses.put(tp, new PartitionResponse(Errors.NONE, info.firstOffset(), info.logAppendTimeMs(),
                        info.logStartOffset()));
                if (delayed != null) {
                    delayed.await(tp, info.lastOffset() + 1, leaderEpoch);
                }
                completeDelayed(tp);
            } catch (ApiException e) {
                // KIP-467: a batch refused for some of its records names them, so the client fails those records
                // with the error and retries the rest of the batch (librdkafka fails them with INVALID_RECORD).
                List<ProduceResponse.RecordError> recordErrors = e instanceof RecordBatchValidator.RefusedRecords refused
                        ? refused.recordErrors() : List.of();
                responses.put(tp, new PartitionResponse(Errors.forException(e), -1, -1, -1, recordErrors,
                        e.getMessage()));
            } catch (RuntimeException e) {
                log.error("Append to {} failed", tp, e);
                responses.put(tp, new PartitionResponse(Errors.KAFKA_STORAGE_ERROR, -1, -1, -1, List.of(),
                        e.toString()));
            }
        }
        if (delayed == null || delayed.partitions().isEmpty()) {
            return CompletableFuture.completedFuture(responses);
        }
        producePurgatory.watch(delayed, timeoutMs);
        return answer;
    }

    /**
     * Writes a transaction marker to a partition this node leads (acks=all, as Kafka writes markers) and wakes the
     * fetches parked on it (the last stable offset may have moved). Completes with the partition's error: NONE once
     * the marker is below the high watermark.
     */
    public CompletableFuture<Errors> appendTxnMarker(TopicPartition tp, long producerId, short producerEpoch,
                                                     int coordinatorEpoch, boolean commit) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            log.debug("No partition {} here for the marker of producer {}", tp, producerId);
            return CompletableFuture.completedFuture(absentPartitionError(tp));
        }
        int leaderEpoch = partition.leaderEpoch();
        LogAppendInfo info;
        try {
            info = partition.appendTxnMarker(producerId, producerEpoch, coordinatorEpoch, commit, time.milliseconds());
        } catch (ApiException e) {
            log.debug("{} refused the marker of producer {}: {} ({})", tp, producerId, e.toString(),
                    partition.state());
            return CompletableFuture.completedFuture(Errors.forException(e));
        } catch (RuntimeException e) {
            log.error("Writing a transaction marker to {} failed", tp, e);
            return CompletableFuture.completedFuture(Errors.KAFKA_STORAGE_ERROR);
        }
        completeDelayed(tp);
        var appended = new LinkedHashMap<TopicPartition, PartitionResponse>();
        appended.put(tp, new PartitionResponse(Errors.NONE, info.firstOffset(), RecordBatch.NO_TIMESTAMP,
                info.logStartOffset()));
        var answer = new CompletableFuture<Map<TopicPartition, PartitionResponse>>();
        var delayed = new DelayedProduce(appended, partitions::get, this::absentPartitionError, answer,
                producePurgatory);
        delayed.await(tp, info.lastOffset() + 1, leaderEpoch);
        producePurgatory.watch(delayed, MARKER_APPEND_TIMEOUT_MS);
        return answer.thenApply(responses -> responses.get(tp).error);
    }

    /** Whether {@code producerId} has a transaction open in a partition hosted here. */
    public boolean inTransaction(TopicPartition tp, long producerId) {
        Partition partition = partitions.get(tp);
        return partition != null && partition.inTransaction(producerId);
    }

    /** Expires idle producers in every hosted partition ({@code producer.id.expiration.ms}). */
    public void expireProducers(long expirationMs) {
        long now = time.milliseconds();
        for (Partition partition : partitions.values()) {
            int removed = partition.expireProducers(now, expirationMs);
            if (removed > 0) {
                log.debug("{}: {} idle producer(s) expired", partition.topicPartition(), removed);
            }
        }
    }

    /**
     * Reads the partitions; when they hold fewer than {@code minBytes} and {@code maxWaitMs > 0}, parks the fetch
     * until enough arrives or the wait ends. Errors are per partition. A follower's fetch records its position once,
     * at the first read; a diverging epoch answers at once, as an error does.
     */
    public CompletableFuture<Map<TopicIdPartition, FetchResult>> fetch(FetchParams params,
                                                                       List<FetchPartition> fetchPartitions) {
        Map<TopicIdPartition, FetchResult> first = read(params, fetchPartitions, true);
        long bytes = 0;
        boolean answerNow = false;
        for (FetchResult result : first.values()) {
            bytes += result.records().sizeInBytes();
            answerNow |= result.error() != Errors.NONE || result.divergingEpoch() != null;
        }
        if (params.maxWaitMs() <= 0 || fetchPartitions.isEmpty() || bytes >= params.minBytes() || answerNow) {
            return CompletableFuture.completedFuture(first);
        }
        var positions = new LinkedHashMap<TopicPartition, LogOffsetMetadata>();
        for (FetchPartition fetchPartition : fetchPartitions) {
            TopicPartition tp = fetchPartition.topicIdPartition().topicPartition();
            Partition partition = partitions.get(tp);
            if (partition == null) {
                return CompletableFuture.completedFuture(read(params, fetchPartitions, false));
            }
            LogOffsetMetadata end = params.isFromFollower() ? partition.log().logEndMetadata()
                    : params.isolation() == IsolationLevel.READ_COMMITTED
                    ? partition.lastStableOffsetMetadata() : partition.highWatermarkMetadata();
            positions.put(tp, end.offset() == fetchPartition.fetchOffset()
                    ? end : partition.log().offsetMetadata(fetchPartition.fetchOffset()));
        }
        var future = new CompletableFuture<Map<TopicIdPartition, FetchResult>>();
        var delayed = new DelayedFetch(params, fetchPartitions, positions, partitions::get,
                again -> read(params, again, false), future, fetchPurgatory);
        long maxWaitMs = params.isFromFollower() ? newFollowers.maxWaitMs(params.replicaId(), params.maxWaitMs())
                : params.maxWaitMs();
        fetchPurgatory.watch(delayed, positions.keySet(), maxWaitMs);
        return future;
    }

    private Map<TopicIdPartition, FetchResult> read(FetchParams params, List<FetchPartition> fetchPartitions,
                                                    boolean recordFollowerFetch) {
        var results = new LinkedHashMap<TopicIdPartition, FetchResult>();
        int remaining = params.maxBytes();
        boolean minOneBatch = true;
        for (FetchPartition fetchPartition : fetchPartitions) {
            TopicIdPartition tip = fetchPartition.topicIdPartition();
            Partition partition = partitions.get(tip.topicPartition());
            if (partition == null) {
                results.put(tip, FetchResult.error(absentPartitionError(tip.topicPartition())));
                continue;
            }
            if (!Uuid.ZERO_UUID.equals(tip.topicId()) && !partition.topicId().equals(tip.topicId())) {
                // A fetch session outlived its topic: the id it cached is of a deleted incarnation, and the
                // partition of that name now belongs to a re-created topic (KIP-516). Never serve its records.
                results.put(tip, FetchResult.error(Errors.UNKNOWN_TOPIC_ID));
                continue;
            }
            try {
                int maxBytes = Math.max(Math.min(fetchPartition.maxBytes(), remaining), 0);
                FetchResult result;
                if (params.isFromFollower()) {
                    result = partition.readForFollower(params.replicaId(), fetchPartition, maxBytes, minOneBatch,
                            recordFollowerFetch);
                } else {
                    partition.checkLeaderEpoch(fetchPartition.currentLeaderEpoch());
                    result = partition.readForConsumer(fetchPartition.fetchOffset(), maxBytes, minOneBatch,
                            params.isolation(), params.leaderOnly());
                }
                results.put(tip, result);
                int bytes = result.records().sizeInBytes();
                if (bytes > 0) {
                    minOneBatch = false;
                    remaining -= bytes;
                }
            } catch (ApiException e) {
                results.put(tip, new FetchResult(Errors.forException(e), partition.highWatermark(),
                        partition.lastStableOffset(), partition.logStartOffset(), MemoryRecords.EMPTY, null));
            }
        }
        return results;
    }
}
