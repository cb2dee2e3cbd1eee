package io.tributary.broker.replication;

import io.tributary.broker.log.BatchRecompressor;
import io.tributary.broker.log.FetchDataInfo;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogOffsetMetadata;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.log.RecordBatchValidator;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.txn.ProducerStateTable;
import io.tributary.broker.txn.TransactionVerifier;
import java.util.HashSet;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.UnknownLeaderEpochException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.TimestampType;

/**
 * One partition replica on this node: its log, its role ({@link PartitionState}), leader epoch, high watermark,
 * last stable offset and producer state.
 *
 * <p>The high watermark is the offset below which every in-sync replica has the data; reads for consumers stop
 * there. With an ISR of just this node (a single-node cluster) it follows the log end after every append, through
 * the same {@link #maybeIncrementHighWatermark} a replicated partition uses. The last stable offset (KIP-98) is the
 * high watermark, or the first offset of the oldest open transaction when that is lower: {@code read_committed}
 * consumers read below it, together with the partition's aborted transactions.
 *
 * <p>Thread-safety: {@code appendLock} serializes producer-state checks with the log append so a duplicate check
 * and the append it guards are atomic; transaction markers go through it too. Role, epoch, high watermark and last
 * stable offset are volatile and published after change; an ABORT marker's transaction joins the aborted ones
 * before the last stable offset moves past it, so a reader that takes the last stable offset first finds every
 * transaction that ended below it.
 */
public final class Partition {
    private static final int LOAD_CHUNK_BYTES = 1024 * 1024;
    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final int localBrokerId;
    /** Replicas the controller registered for this partition (written under the append lock). */
    private volatile int replicaCount = 1;
    private final PartitionLog log;
    private final ProducerStateTable producers;
    private final Object appendLock = new Object();
    private volatile PartitionState state = new PartitionState.Offline(-1);
    private volatile LogOffsetMetadata highWatermark;
    private volatile LogOffsetMetadata lastStableOffset;
    /**
     * Test seam: runs in every consumer read after it took its snapshot of the offsets and before it reads the log,
     * where a test appends a transaction marker, or yields to widen the window for appends on other threads, to
     * show the read answers from its snapshot. Static because tests reach it through brokers they start, whose
     * partitions they cannot get hold of; does nothing otherwise.
     */
    static volatile Runnable afterReadSnapshot = () -> { };

    /** @param producers the producer state already rebuilt from every batch of {@code log} */
    Partition(TopicPartition topicPartition, Uuid topicId, int localBrokerId, PartitionLog log,
              ProducerStateTable producers) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.localBrokerId = localBrokerId;
        this.log = log;
        this.producers = producers;
        this.highWatermark = LogOffsetMetadata.unknown(log.logStartOffset());
        this.lastStableOffset = highWatermark;
        log.abortedTransactions(producers.abortedTransactions());
        log.producerBatchesToKeep(() -> {
            synchronized (appendLock) {
                return producers.batchesToKeep();
            }
        });
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public PartitionState state() {
        return state;
    }

    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    /** Led here with fewer in-sync replicas than replicas. */
    public boolean isUnderReplicated() {
        return state instanceof PartitionState.Leader leader && leader.isr().size() < replicaCount;
    }

    public boolean isLeader() {
        return state instanceof PartitionState.Leader;
    }

    /**
     * Whether this replica's log directory failed (see {@code LogDirFailures}): the partition is offline here until
     * the broker restarts, whatever role the controller gave it.
     */
    public boolean isOffline() {
        return log.isOffline();
    }

    /**
     * Refuses any request on an offline replica (produce, fetch, markers, DeleteRecords, ListOffsets,
     * OffsetForLeaderEpoch, DescribeProducers) with KAFKA_STORAGE_ERROR, before any other check, as Kafka's
     * {@code ReplicaManager.getPartitionOrException} answers for a partition in an offline log directory.
     */
    public void checkOnline() {
        if (log.isOffline()) {
            throw new KafkaStorageException("Partition " + topicPartition + " is in an offline log directory");
        }
    }

    public long highWatermark() {
        return highWatermark.offset();
    }

    public LogOffsetMetadata highWatermarkMetadata() {
        return highWatermark;
    }

    /** Last stable offset: the high watermark, or the first offset of the oldest open transaction if lower. */
    public long lastStableOffset() {
        return lastStableOffsetMetadata().offset();
    }

    /**
     * The last stable offset, never below the log start. Retention and DeleteRecords move the log start without
     * an append, possibly past the first offset of an open transaction; the first read after that recomputes the
     * last stable offset as Kafka does when its log start moves ({@code UnifiedLog.maybeIncrementLogStartOffset}),
     * or read_committed consumers asking for the latest offset would be sent below the log start and answered
     * OFFSET_OUT_OF_RANGE forever.
     */
    public LogOffsetMetadata lastStableOffsetMetadata() {
        LogOffsetMetadata stable = lastStableOffset;
        if (stable.offset() >= log.logStartOffset()) {
            return stable;
        }
        synchronized (appendLock) {
            followLogStart();
            return lastStableOffset;
        }
    }

    public long logStartOffset() {
        return log.logStartOffset();
    }

    public long logEndOffset() {
        return log.logEndOffset();
    }

    /** Applies the controller's registration: becomes leader or follower at the registered epoch. */
    void applyRegistration(PartitionRegistration registration) {
        synchronized (appendLock) {
            replicaCount = registration.replicas().size();
            if (registration.leader() == localBrokerId) {
                state = new PartitionState.Leader(registration.leaderEpoch(), new HashSet<>(registration.isr()));
                maybeIncrementHighWatermark();
            } else {
                state = new PartitionState.Follower(registration.leaderEpoch(), registration.leader());
            }
        }
    }

    void updateConfig(LogConfig config) {
        log.updateConfig(config);
    }

    /**
     * Validates and appends a producer's batches as leader. A retried batch of an idempotent producer that is
     * already in the log is not appended again: its original offsets are returned. A transactional batch that would
     * open the producer's transaction here is first checked with {@code verifier} (KIP-890), under the append lock
     * so no marker can slip in between. A null verifier marks a coordinator's own append (Kafka's coordinator
     * origin): trusted, and checked for the producer's epoch only, since such batches carry no real sequence.
     */
    public LogAppendInfo appendRecordsToLeader(MemoryRecords records, short requiredAcks, long nowMs,
                                               TransactionVerifier verifier) {
        LogConfig config = log.config();
        RecordBatchValidator.Summary summary = RecordBatchValidator.validate(records, config, nowMs);
        records = BatchRecompressor.toTopicCompression(records, config);
        synchronized (appendLock) {
            checkOnline();
            if (!(state instanceof PartitionState.Leader leader)) {
                throw new NotLeaderOrFollowerException("This broker is not the leader of " + topicPartition);
            }
            // Kafka's Partition.effectiveMinIsr: min.insync.replicas above the replication factor counts as it.
            int minIsr = Math.min(config.minInsyncReplicas(), replicaCount);
            if (requiredAcks == -1 && leader.isr().size() < minIsr) {
                throw new NotEnoughReplicasException("The in-sync replicas of " + topicPartition + " are "
                        + leader.isr() + ", fewer than the " + minIsr + " that min.insync.replicas="
                        + config.minInsyncReplicas() + " asks of " + replicaCount + " replica(s)");
            }
            if (summary.batchCount() == 1 && verifier == null) {
                producers.checkFromCoordinator(records.firstBatch());
            } else if (summary.batchCount() == 1) {
                RecordBatch batch = records.firstBatch();
                ProducerStateTable.BatchMetadata duplicate = producers.check(batch);
                if (duplicate == null && batch.isTransactional() && verifier != null
                        && !producers.inTransaction(batch.producerId())) {
                    Errors verified = verifier.verify(batch.producerId(), batch.producerEpoch(), topicPartition);
                    if (verified != Errors.NONE) {
                        throw verified.exception("Producer " + batch.producerId() + " at epoch "
                                + batch.producerEpoch() + " has no open transaction with " + topicPartition);
                    }
                }
                if (duplicate != null) {
                    // Under LogAppendTime the batch's timestamp is the append time the first answer carried.
                    long logAppendTime = config.messageTimestampType() == TimestampType.LOG_APPEND_TIME
                            ? duplicate.timestamp() : RecordBatch.NO_TIMESTAMP;
                    return new LogAppendInfo(duplicate.firstOffset(), duplicate.lastOffset(), logAppendTime,
                            log.logStartOffset());
                }
            } else {
                for (MutableRecordBatch batch : records.batches()) {
                    if (batch.hasProducerId() || batch.isTransactional()) {
                        throw new org.apache.kafka.common.InvalidRecordException(
                                "Idempotent producers send one batch per partition per request");
                    }
                }
            }
            LogAppendInfo info = log.appendAsLeader(records, summary, leader.leaderEpoch(), nowMs);
            for (MutableRecordBatch batch : records.batches()) {
                producers.update(batch);
            }
            maybeIncrementHighWatermark();
            return info;
        }
    }

    /**
     * Appends the COMMIT or ABORT marker that ends a producer's transaction here (WriteTxnMarkers), closing it in
     * the producer state: an abort joins the aborted transactions, and the last stable offset moves up.
     */
    public LogAppendInfo appendTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
                                         long nowMs) {
        synchronized (appendLock) {
            checkOnline();
            if (!(state instanceof PartitionState.Leader leader)) {
                throw new NotLeaderOrFollowerException("This broker is not the leader of " + topicPartition);
            }
            producers.checkMarker(producerId, producerEpoch, coordinatorEpoch);
            var marker = new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                    coordinatorEpoch);
            MemoryRecords records = MemoryRecords.withEndTransactionMarker(0L, nowMs, leader.leaderEpoch(), producerId,
                    producerEpoch, marker);
            var summary = new RecordBatchValidator.Summary(1, 1, nowMs, records.sizeInBytes());
            LogAppendInfo info = log.appendAsLeader(records, summary, leader.leaderEpoch(), nowMs);
            producers.update(records.firstBatch());
            maybeIncrementHighWatermark();
            return info;
        }
    }

    /**
     * Moves the high watermark to the smallest log end among in-sync replicas. This node alone in the ISR means
     * the log end.
     */
    private void maybeIncrementHighWatermark() {
        LogOffsetMetadata end = log.logEndMetadata();
        if (state instanceof PartitionState.Leader leader && leader.isr().equals(java.util.Set.of(localBrokerId))) {
            if (end.offset() >= highWatermark.offset()) {
                highWatermark = end;
            }
        }
        updateLastStableOffset();
    }

    /**
     * Restores {@code logStartOffset <= lastStableOffset <= highWatermark} after the log start moved (Kafka's
     * {@code UnifiedLog.updateLogStartOffset}). Under the append lock.
     */
    private void followLogStart() {
        long logStart = log.logStartOffset();
        if (highWatermark.offset() < logStart) {
            highWatermark = log.offsetMetadata(logStart);
        }
        updateLastStableOffset();
    }

    /**
     * Recomputes the last stable offset after the high watermark, the open transactions or the log start changed;
     * the cleaner never compacts at or above it (Kafka's rule: an open transaction's records may still be aborted).
     */
    private void updateLastStableOffset() {
        LogOffsetMetadata hw = highWatermark;
        long firstUnstable = producers.firstUnstableOffset();
        if (firstUnstable >= 0) {
            // Retention or DeleteRecords may have removed an open transaction's first records (Kafka's rule: the
            // last stable offset never lies below the log start).
            firstUnstable = Math.max(firstUnstable, log.logStartOffset());
        }
        LogOffsetMetadata stable;
        if (firstUnstable < 0 || firstUnstable >= hw.offset()) {
            stable = hw;
        } else if (lastStableOffset.offset() == firstUnstable) {
            stable = lastStableOffset;
        } else {
            stable = log.offsetMetadata(firstUnstable);
        }
        lastStableOffset = stable;
        log.updateHighWatermark(stable.offset());
    }

    /** Checks the leader epoch a client sent (-1 means "not given"), per KIP-320. */
    public void checkLeaderEpoch(int requestEpoch) {
        if (requestEpoch < 0) {
            return;
        }
        int current = state.leaderEpoch();
        if (requestEpoch < current) {
            throw new FencedLeaderEpochException("Leader epoch " + requestEpoch + " is older than " + current);
        }
        if (requestEpoch > current) {
            throw new UnknownLeaderEpochException("Leader epoch " + requestEpoch + " is newer than " + current);
        }
    }

    /**
     * Reads for a consumer: up to the high watermark, or under read_committed up to the last stable offset with the
     * aborted transactions the records overlap. One snapshot of the offsets bounds the records, the aborted list
     * and the offsets the answer reports, as Kafka's {@code UnifiedLog.read} takes its bound once: a transaction
     * that ends while the read runs stays out of both, where a second look at the last stable offset would let its
     * records in without listing it. With {@code maxBytes} 0 and not {@code minOneBatch} (the fetch's budget is
     * spent) the log is not read at all.
     */
    public FetchResult readForConsumer(long offset, int maxBytes, boolean minOneBatch, IsolationLevel isolation) {
        checkOnline();
        if (!isLeader()) {
            throw new NotLeaderOrFollowerException("This broker is not the leader of " + topicPartition);
        }
        // The last stable offset first: the high watermark only grows and is never below it.
        LogOffsetMetadata stable = lastStableOffsetMetadata();
        LogOffsetMetadata hw = highWatermark;
        boolean readCommitted = isolation == IsolationLevel.READ_COMMITTED;
        afterReadSnapshot.run();
        FetchDataInfo data = maxBytes <= 0 && !minOneBatch ? FetchDataInfo.empty(readCommitted)
                : log.read(offset, maxBytes, readCommitted ? stable : hw, minOneBatch, readCommitted);
        return new FetchResult(Errors.NONE, hw.offset(), stable.offset(), log.logStartOffset(), data.records(),
                data.abortedTransactions());
    }

    /** Forgets idle producers ({@code producer.id.expiration.ms}) and aborted transactions below the log start. */
    public int expireProducers(long nowMs, long expirationMs) {
        synchronized (appendLock) {
            producers.abortedTransactions().removeBelow(log.logStartOffset());
            return producers.expire(nowMs, expirationMs);
        }
    }

    /** The producers with state here, for DescribeProducers. */
    public List<ProducerStateTable.ProducerView> producers() {
        synchronized (appendLock) {
            return producers.describe();
        }
    }

    /**
     * Hands every batch from the log start to the log end to {@code visitor}, in offset order: how a coordinator
     * loads its partition of an internal topic. A batch is only valid during the call.
     */
    public void forEachBatch(Consumer<RecordBatch> visitor) {
        LogOffsetMetadata end = log.logEndMetadata();
        long offset = log.logStartOffset();
        while (offset < end.offset()) {
            Records chunk = log.read(offset, LOAD_CHUNK_BYTES, end, true);
            if (chunk.sizeInBytes() == 0) {
                break;
            }
            for (RecordBatch batch : chunk.batches()) {
                if (batch.lastOffset() >= offset) {
                    visitor.accept(batch);
                    offset = batch.lastOffset() + 1;
                }
            }
        }
    }

    /** Deletes records below {@code offset} (DeleteRecords); -1 means "up to the high watermark". */
    public long deleteRecordsBefore(long offset) {
        checkOnline();
        if (!isLeader()) {
            throw new NotLeaderOrFollowerException("This broker is not the leader of " + topicPartition);
        }
        LogConfig config = log.config();
        if (config.compact() && !config.delete()) {
            // Kafka's Partition.deleteRecordsOnLeader: only a log that may delete may have its start moved.
            throw new PolicyViolationException("Records of partition "
                    + topicPartition + " can not be deleted due to the configured policy");
        }
        long target = offset == -1 ? highWatermark.offset() : offset;
        if (target < 0 || target > highWatermark.offset()) {
            throw new OffsetOutOfRangeException("Cannot delete records before "
                    + target + ": it is above the high watermark " + highWatermark.offset());
        }
        long logStart = log.advanceLogStartOffset(target);
        synchronized (appendLock) {
            followLogStart();
        }
        return logStart;
    }
}
