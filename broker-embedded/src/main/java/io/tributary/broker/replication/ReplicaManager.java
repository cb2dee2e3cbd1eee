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
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this node hosts, and the produce and fetch paths through them.
 *
 * <p>Follows the {@link MetadataImage}: when an image arrives it opens the logs of new partitions, applies config
 * changes and leadership, and deletes the logs of removed topics. Produce appends as leader and answers per
 * {@code acks}; fetch reads up to the high watermark and parks in the {@link FetchPurgatory} when there is less
 * than {@code fetch.min.bytes}.
 */
public final class ReplicaManager {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final int localBrokerId;
    private final int recoveryThreads;
    private final LogManager logManager;
    private final FetchPurgatory fetchPurgatory;
    private final Time time;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Hosted partitions whose log could not be opened because its directory failed: offline until a restart. */
    private final Set<TopicPartition> unopenable = ConcurrentHashMap.newKeySet();

    public ReplicaManager(int localBrokerId, LogManager logManager, FetchPurgatory fetchPurgatory, Time time) {
        this(localBrokerId, logManager, fetchPurgatory, time, 1);
    }

    public ReplicaManager(int localBrokerId, LogManager logManager, FetchPurgatory fetchPurgatory, Time time,
                          int recoveryThreads) {
        this.recoveryThreads = recoveryThreads;
        this.localBrokerId = localBrokerId;
        this.logManager = logManager;
        this.fetchPurgatory = fetchPurgatory;
        this.time = time;
    }

    public Partition partition(TopicPartition topicPartition) {
        return partitions.get(topicPartition);
    }

    /**
     * The error for a partition with no {@link Partition} here: KAFKA_STORAGE_ERROR when this node hosts it but its
     * log could not be opened (its log directory failed, at start or since), UNKNOWN_TOPIC_OR_PARTITION otherwise.
     */
    public Errors absentPartitionError(TopicPartition topicPartition) {
        return unopenable.contains(topicPartition) ? Errors.KAFKA_STORAGE_ERROR : Errors.UNKNOWN_TOPIC_OR_PARTITION;
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

    /** Brings the hosted partitions in line with {@code image}. Called on the controller's publish path. */
    public synchronized void applyImage(MetadataImage image, ConfigResolver configs) {
        Set<TopicPartition> wanted = new HashSet<>();
        var hosted = new ArrayList<Hosted>();
        var toOpen = new ArrayList<Hosted>();
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
                    remove(tp);
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
        openAll(toOpen);
        for (Hosted host : hosted) {
            Partition partition = partitions.get(host.tp());
            if (partition == null) {
                continue;
            }
            if (!partition.log().config().equals(host.config())) {
                partition.updateConfig(host.config());
            }
            partition.applyRegistration(host.registration());
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
        partitions.put(host.tp(), new Partition(host.tp(), host.topicId(), localBrokerId, partitionLog, producers));
    }

    private void remove(TopicPartition tp) {
        partitions.remove(tp);
        unopenable.remove(tp);
        logManager.delete(tp);
        fetchPurgatory.checkAndComplete(tp);
        log.info("Removed partition {}", tp);
    }

    /**
     * Appends a coordinator's own batches (offset commits, transaction state): trusted, so transactional ones are
     * not verified and their sequence numbers are not checked.
     */
    public CompletableFuture<Map<TopicPartition, PartitionResponse>> appendRecords(
            short requiredAcks, Map<TopicPartition, MemoryRecords> records) {
        return appendRecords(requiredAcks, records, null);
    }

    /**
     * Appends each partition's batches as leader. With this node the only in-sync replica, every acks level is
     * satisfied once the batch is in the log; the answer is a future so replicated acks=all plugs in here.
     * {@code verifier} checks a producer's first transactional batch in a partition (KIP-890); null marks a
     * coordinator's append.
     */
    public CompletableFuture<Map<TopicPartition, PartitionResponse>> appendRecords(
            short requiredAcks, Map<TopicPartition, MemoryRecords> records, TransactionVerifier verifier) {
        var responses = new LinkedHashMap<TopicPartition, PartitionResponse>();
        long now = time.milliseconds();
        for (var entry : records.entrySet()) {
            TopicPartition tp = entry.getKey();
            Partition partition = partitions.get(tp);
            if (partition == null) {
                responses.put(tp, new PartitionResponse(absentPartitionError(tp)));
                continue;
            }
            try {
                LogAppendInfo info = partition.appendRecordsToLeader(entry.getValue(), requiredAcks, now, verifier);
                responses.put(tp, new PartitionResponse(Errors.NONE, info.firstOffset(), info.logAppendTimeMs(),
                        info.logStartOffset()));
                fetchPurgatory.checkAndComplete(tp);
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
        return CompletableFuture.completedFuture(responses);
    }

    /**
     * Writes a transaction marker to a partition this node leads and wakes the fetches parked on it (the last
     * stable offset may have moved). Returns the partition's error, NONE when the marker is in the log.
     */
    public Errors appendTxnMarker(TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch,
                                  boolean commit) {
        Partition partition = partitions.get(tp);
        if (partition == null) {
            return absentPartitionError(tp);
        }
        try {
            partition.appendTxnMarker(producerId, producerEpoch, coordinatorEpoch, commit, time.milliseconds());
            fetchPurgatory.checkAndComplete(tp);
            return Errors.NONE;
        } catch (ApiException e) {
            return Errors.forException(e);
        } catch (RuntimeException e) {
            log.error("Writing a transaction marker to {} failed", tp, e);
            return Errors.KAFKA_STORAGE_ERROR;
        }
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
     * until enough arrives or the wait ends. Errors are per partition.
     */
    public CompletableFuture<Map<TopicIdPartition, FetchResult>> fetch(FetchParams params,
                                                                       List<FetchPartition> fetchPartitions) {
        Map<TopicIdPartition, FetchResult> first = read(params, fetchPartitions);
        long bytes = 0;
        boolean anyError = false;
        for (FetchResult result : first.values()) {
            bytes += result.records().sizeInBytes();
            anyError |= result.error() != Errors.NONE;
        }
        if (params.maxWaitMs() <= 0 || fetchPartitions.isEmpty() || bytes >= params.minBytes() || anyError) {
            return CompletableFuture.completedFuture(first);
        }
        var positions = new LinkedHashMap<TopicPartition, LogOffsetMetadata>();
        for (FetchPartition fetchPartition : fetchPartitions) {
            TopicPartition tp = fetchPartition.topicIdPartition().topicPartition();
            Partition partition = partitions.get(tp);
            if (partition == null) {
                return CompletableFuture.completedFuture(read(params, fetchPartitions));
            }
            LogOffsetMetadata end = params.isolation() == IsolationLevel.READ_COMMITTED
                    ? partition.lastStableOffsetMetadata() : partition.highWatermarkMetadata();
            positions.put(tp, end.offset() == fetchPartition.fetchOffset()
                    ? end : partition.log().offsetMetadata(fetchPartition.fetchOffset()));
        }
        var future = new CompletableFuture<Map<TopicIdPartition, FetchResult>>();
        var delayed = new DelayedFetch(params, fetchPartitions, positions, partitions::get,
                again -> read(params, again), future, fetchPurgatory);
        fetchPurgatory.watch(delayed, positions.keySet(), params.maxWaitMs());
        return future;
    }

    private Map<TopicIdPartition, FetchResult> read(FetchParams params, List<FetchPartition> fetchPartitions) {
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
                partition.checkLeaderEpoch(fetchPartition.currentLeaderEpoch());
                int maxBytes = Math.min(fetchPartition.maxBytes(), remaining);
                FetchResult result = partition.readForConsumer(fetchPartition.fetchOffset(), Math.max(maxBytes, 0),
                        minOneBatch, params.isolation());
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
