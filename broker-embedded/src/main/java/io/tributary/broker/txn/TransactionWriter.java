package io.tributary.broker.txn;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes behind the transaction coordinator's transitions: a transactional id's next state to
 * {@code __transaction_state} ({@link #persist}, applied to its {@link TransactionMetadata} once committed), and
 * the end of a prepared transaction ({@link #complete}: its markers, retried per partition until each leader took
 * one, then CompleteCommit or CompleteAbort). Holds no lock of its own; takes an id's lock only to apply a
 * transition or to check that the transaction is still the one it is finishing.
 */
final class TransactionWriter {
    private static final Logger log = LoggerFactory.getLogger(TransactionWriter.class);
    private static final long MARKER_RETRY_MAX_BACKOFF_MS = 5_000;

    private final TransactionLog txnLog;
    private final TransactionMarkers markers;
    private final Time time;
    /** Set when the coordinator stops: markers still unwritten are left to the next coordinator of the partition. */
    private volatile boolean stopped;

    /** Stops retrying markers (the node is stopping; whoever coordinates the partition next completes them). */
    void stop() {
        stopped = true;
    }

    TransactionWriter(TransactionLog txnLog, TransactionMarkers markers, Time time) {
        this.txnLog = txnLog;
        this.markers = markers;
        this.time = time;
    }

    /**
     * Finishes a prepared transaction: writes its markers (retrying partitions whose leader could not take them),
     * then records CompleteCommit or CompleteAbort. Completes with the error of that last write.
     */
    CompletableFuture<Errors> complete(int partition, TransactionMetadata md) {
        StoredTransaction prepared;
        synchronized (md) {
            prepared = md.current();
            if (md.hasPending() || !prepared.state().isPreparing()) {
                return done(Errors.NONE);
            }
        }
        boolean commit = prepared.state() == TransactionState.PREPARE_COMMIT;
        int coordinatorEpoch = txnLog.leaderEpoch(partition);
        return writeMarkers(md.transactionalId(), prepared, coordinatorEpoch, commit, prepared.partitions(), 0)
                .thenCompose(ignored -> {
                    synchronized (md) {
                        if (md.hasPending() || !md.current().equals(prepared)) {
                            return done(Errors.NONE);
                        }
                        md.begin(new StoredTransaction(prepared.producerId(), prepared.producerEpoch(),
                                prepared.timeoutMs(), commit ? TransactionState.COMPLETE_COMMIT
                                : TransactionState.COMPLETE_ABORT, Set.of(), time.milliseconds(), prepared.startMs()));
                    }
                    return persist(partition, md);
                }).thenCompose(error -> {
                    if (error == Errors.NONE || !txnLog.isLeader(partition)) {
                        return done(error);
                    }
                    // The outcome is decided but could not be recorded: try again (markers are idempotent for the
                    // partitions; a new coordinator would finish it from the prepared state the same way).
                    log.warn("Transaction {}: cannot record its outcome ({}); retrying", md.transactionalId(), error);
                    return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(
                            MARKER_RETRY_MAX_BACKOFF_MS, TimeUnit.MILLISECONDS)).thenCompose(i -> complete(partition, md));
                });
    }

    private CompletableFuture<Void> writeMarkers(String transactionalId, StoredTransaction txn, int coordinatorEpoch,
                                                 boolean commit, Set<TopicPartition> remaining, int attempt) {
        if (remaining.isEmpty()) {
            return done(null);
        }
        CompletableFuture<Map<TopicPartition, Errors>> written;
        try {
            written = markers.write(txn.producerId(), txn.producerEpoch(), coordinatorEpoch, commit, remaining);
        } catch (RuntimeException e) {
            log.error("Writing the markers of transaction {} failed", transactionalId, e);
            written = done(Map.of());
        }
        return written.exceptionally(e -> Map.of()).thenCompose(results -> {
            var retry = new HashSet<TopicPartition>();
            var retryErrors = new java.util.TreeMap<String, Errors>();
            for (TopicPartition tp : remaining) {
                Errors error = results.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR);
                switch (error) {
                    case NONE -> { }
                    case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID ->
                        // Kafka's rule: a deleted partition needs no marker.
                        log.info("Transaction {}: {} no longer exists; no marker written there", transactionalId, tp);
                    case INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED ->
                        log.warn("Transaction {}: {} refused the marker ({}); a newer epoch owns the producer",
                                transactionalId, tp, error);
                    default -> {
                        retry.add(tp);
                        retryErrors.put(tp.toString(), error);
                    }
                }
            }
            if (retry.isEmpty() || stopped) {
                return done(null);
            }
            long backoffMs = Math.min(MARKER_RETRY_MAX_BACKOFF_MS, 100L << Math.min(attempt, 6));
            log.warn("Transaction {}: markers not yet written to {}; retrying in {} ms", transactionalId, retryErrors,
                    backoffMs);
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> writeMarkers(transactionalId, txn, coordinatorEpoch, commit, retry,
                            attempt + 1));
        });
    }

    /** Appends the transition in flight for {@code md}; applies it (the replay) once it is committed. */
    CompletableFuture<Errors> persist(int partition, TransactionMetadata md) {
        StoredTransaction target;
        synchronized (md) {
            target = md.pending();
        }
        CompletableFuture<Errors> appended;
        try {
            appended = txnLog.append(partition, TransactionRecords.key(md.transactionalId()),
                    TransactionRecords.value(target));
        } catch (RuntimeException e) {
            log.error("{}-{}: append failed", Topic.TRANSACTION_STATE_TOPIC_NAME, partition, e);
            appended = done(Errors.UNKNOWN_SERVER_ERROR);
        }
        return appended.handle((error, failure) -> {
            Errors result = failure != null ? Errors.forException(failure) : error;
            synchronized (md) {
                md.finish(result == Errors.NONE);
            }
            return result == Errors.NONE ? Errors.NONE : appendErrorForCoordinator(result);
        });
    }

    /** Kafka's mapping of a failed write to {@code __transaction_state} to what the producer is told. */
    private static Errors appendErrorForCoordinator(Errors appendError) {
        return switch (appendError) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                 REQUEST_TIMED_OUT -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            default -> Errors.UNKNOWN_SERVER_ERROR;
        };
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
