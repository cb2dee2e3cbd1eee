package io.tributary.broker.replication;

import io.tributary.broker.log.BatchRecompressor;
import io.tributary.broker.log.FetchDataInfo;
import io.tributary.broker.log.LeaderEpochCache;
import io.tributary.broker.log.LogAppendInfo;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.LogOffsetMetadata;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.log.RecordBatchValidator;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.txn.ProducerStateTable;
import io.tributary.broker.txn.TransactionVerifier;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
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
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition replica on this node: its log, its role ({@link PartitionState}), leader epoch, high watermark,
 * last stable offset and producer state. As leader it also tracks its followers ({@link RemoteReplicas}) and its
 * ISR ({@link IsrState}, changed only through the controller); as follower it is the {@link FollowerReplica} a
 * replica fetcher copies the leader's log into.
 *
 * <p>The high watermark is the offset below which every in-sync replica has the data; reads for consumers stop
 * there. A leader moves it to the smallest log end among itself and its maximal ISR (Kafka's
 * {@code maybeIncrementLeaderHW}, KIP-497) after each append, each follower fetch that moved a follower's log end
 * and each ISR change; with an ISR of just this node (a single-node cluster) that is the log end after every
 * append, through the same code. A follower takes its leader's, capped at its own log end. The last stable offset
 * (KIP-98) is the high watermark, or the first offset of the oldest open transaction when that is lower:
 * {@code read_committed} consumers read below it, together with the partition's aborted transactions.
 *
 * <p>Thread-safety: {@code appendLock} serializes producer-state checks with the log append so a duplicate check
 * and the append it guards are atomic; transaction markers, follower appends and truncations, role changes,
 * follower bookkeeping and ISR changes go through it too. Role, epoch, high watermark and last stable offset are
 * volatile and published after change; an ABORT marker's transaction joins the aborted ones before the last stable
 * offset moves past it, so a reader that takes the last stable offset first finds every transaction that ended
 * below it. Two things never happen under the lock: completing delayed fetches and produces (their callbacks run
 * coordinator code that takes locks of its own) and sending AlterPartition (its answer may come on this thread).
 */
public final class Partition implements FollowerReplica {
    private static final Logger logger = LoggerFactory.getLogger(Partition.class);
    private static final int LOAD_CHUNK_BYTES = 1024 * 1024;

    /**
     * What a partition needs from its node to replicate: a clock, {@code replica.lag.time.max.ms}, the controller's
     * AlterPartition, and a way to complete the delayed fetches and produces waiting on it.
     *
     * @param afterTruncation run after a follower truncated its log (outside the partition's lock): the recovery
     *                        points are written out at once, as Kafka's {@code LogManager.truncateTo} does, so a crash
     *                        never recovers from a point above records written after the cut without checking them
     */
    record Replication(Time time, long replicaLagTimeMaxMs, AlterPartitionSender alterPartition,
                       Consumer<TopicPartition> completeDelayed, IntPredicate isrEligible, Runnable afterTruncation) {
        /** A node that is the only replica of what it hosts: nothing waits on other replicas. */
        static final Replication SINGLE_NODE = new Replication(Time.SYSTEM, 30_000, AlterPartitionSender.NONE,
                tp -> { }, id -> true, () -> { });
    }

    /** What applying a registration started here. */
    enum RoleChange {
        /** Nothing a fetcher needs to know: the same role at the same leader epoch, or a stale registration. */
        NONE,
        /** This node leads from a new leader epoch on. */
        LEADER,
        /** This node follows a new leader, or the same one at a new epoch. */
        FOLLOWER
    }

    private final TopicPartition topicPartition;
    private final Uuid topicId;
    private final int localBrokerId;
    private final PartitionLog log;
    private final ProducerStateTable producers;
    private final Replication replication;
    private final Object appendLock = new Object();
    /** Guarded by {@code appendLock}. */
    private final RemoteReplicas remoteReplicas;
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

    /** A partition of a single node, which never waits on other replicas. */
    Partition(TopicPartition topicPartition, Uuid topicId, int localBrokerId, PartitionLog log,
              ProducerStateTable producers) {
        this(topicPartition, topicId, localBrokerId, log, producers, Replication.SINGLE_NODE);
    }

    /** @param producers the producer state already rebuilt from every batch of {@code log} */
    Partition(TopicPartition topicPartition, Uuid topicId, int localBrokerId, PartitionLog log,
              ProducerStateTable producers, Replication replication) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.localBrokerId = localBrokerId;
        this.log = log;
        this.producers = producers;
        this.replication = replication;
        this.remoteReplicas = new RemoteReplicas(localBrokerId);
        this.highWatermark = LogOffsetMetadata.unknown(log.logStartOffset());
        this.lastStableOffset = highWatermark;
        log.abortedTransactions(producers.abortedTransactions());
        log.producerBatchesToKeep(() -> {
            synchronized (appendLock) {
                return producers.batchesToKeep();
            }
        });
    }

    @Override
    public TopicPartition topicPartition() {
        return topicPartition;
    }

    @Override
    public Uuid topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public PartitionState state() {
        return state;
    }

    @Override
    public int leaderEpoch() {
        return state.leaderEpoch();
    }

    /** The leader this node follows, or -1 when it leads, has no role, or its leader is unknown. */
    @Override
    public int leaderId() {
        return state instanceof PartitionState.Follower follower ? follower.leaderId() : -1;
    }

    /** The ISR the controller committed, when this node leads; empty otherwise. */
    public Set<Integer> isr() {
        return state instanceof PartitionState.Leader leader ? leader.isr() : Set.of();
    }

    /** Where this node's leader epoch began, when it leads; -1 otherwise. */
    public long leaderEpochStartOffset() {
        return state instanceof PartitionState.Leader leader ? leader.epochStartOffset() : -1;
    }

    /** Led here with fewer in-sync replicas than replicas. */
    public boolean isUnderReplicated() {
        return state instanceof PartitionState.Leader leader && leader.isr().size() < leader.replicas().size();
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

    @Override
    public long logStartOffset() {
        return log.logStartOffset();
    }

    @Override
    public long logEndOffset() {
        return log.logEndOffset();
    }

    /**
     * Whether applying {@code registration} would make this node leader where it does not lead now: the replica
     * manager stops fetching such partitions first.
     */
    boolean wouldTakeLeadership(PartitionRegistration registration) {
        PartitionState current = state;
        return registration.leader() == localBrokerId && !(current instanceof PartitionState.Leader)
                && isNewer(registration, current);
    }

    /**
     * Applies the controller's registration (Kafka's {@code makeLeader} / {@code makeFollower}). One that is not
     * newer than what this node holds (same leader and partition epochs, or an older partition epoch: this leader's
     * own AlterPartition may be ahead of the image) changes nothing, except that an ISR change waiting for the next
     * image may be proposed again. Becoming leader at a new epoch records where the epoch starts in the epoch cache
     * and starts the followers' states afresh; the high watermark is kept either way.
     */
    RoleChange applyRegistration(PartitionRegistration registration) {
        RoleChange change;
        IsrState.Pending resend = null;
        PartitionState.Leader proposer = null;
        boolean applied;
        synchronized (appendLock) {
            PartitionState current = state;
            applied = isNewer(registration, current);
            if (!applied) {
                if (current instanceof PartitionState.Leader leader) {
                    resend = afterImage(leader);
                    proposer = (PartitionState.Leader) state;
                }
                change = RoleChange.NONE;
            } else if (registration.leader() == localBrokerId) {
                change = becomeLeader(registration, current) ? RoleChange.LEADER : RoleChange.NONE;
            } else {
                change = becomeFollower(registration, current) ? RoleChange.FOLLOWER : RoleChange.NONE;
            }
        }
        if (resend != null) {
            submit(proposer, resend);
        }
        if (applied) {
            // Fetches parked here and acks=all produces waiting here re-check: leadership may have moved, or the
            // high watermark with the ISR.
            replication.completeDelayed().accept(topicPartition);
        }
        return change;
    }

    private static boolean isNewer(PartitionRegistration registration, PartitionState current) {
        if (registration.partitionEpoch() < current.partitionEpoch()) {
            return false;
        }
        return registration.partitionEpoch() != current.partitionEpoch()
                || registration.leaderEpoch() != current.leaderEpoch();
    }

    /** Under the append lock. Returns whether the leader epoch is new. */
    private boolean becomeLeader(PartitionRegistration registration, PartitionState current) {
        long nowMs = replication.time().milliseconds();
        boolean wasLeader = current instanceof PartitionState.Leader;
        boolean newEpoch = !wasLeader || registration.leaderEpoch() > current.leaderEpoch();
        Set<Integer> isr = Set.copyOf(registration.isr());
        long epochStartOffset;
        if (newEpoch) {
            epochStartOffset = log.logEndOffset();
            if (registration.leaderEpoch() > 0) {
                // Kafka's maybeAssignEpochStartOffset: a follower with entries from a later epoch than any in this
                // log (successive elections) must learn where to truncate before this leader appends anything.
                // Epoch 0 is the first of a new partition: no replica can hold an earlier one, and the first append
                // records the same entry, so a new partition writes no epoch checkpoint before it has data.
                log.assignEpochStartOffset(registration.leaderEpoch(), epochStartOffset);
            }
            remoteReplicas.startEpoch(registration.replicas(), isr, nowMs, epochStartOffset, wasLeader);
            if (registration.leaderEpoch() > 0 && logger.isInfoEnabled()) {
                // Epoch 0 is a new partition's first leader, nothing an operator needs a line for per partition.
                logger.info("{}: leader at epoch {} from offset {} (partition epoch {}, ISR {}, high watermark {})",
                        topicPartition, registration.leaderEpoch(), epochStartOffset, registration.partitionEpoch(),
                        registration.isr(), highWatermark.offset());
            }
        } else {
            epochStartOffset = ((PartitionState.Leader) current).epochStartOffset();
            remoteReplicas.updateAssignment(registration.replicas(), nowMs);
        }
        state = new PartitionState.Leader(registration.leaderEpoch(), registration.partitionEpoch(),
                registration.replicas(), epochStartOffset, new IsrState.Committed(isr));
        maybeIncrementHighWatermark(nowMs);
        return newEpoch;
    }

    /** Under the append lock. Returns whether the fetcher must (re)start: a new leader or leader epoch. */
    private boolean becomeFollower(PartitionRegistration registration, PartitionState current) {
        boolean restart = !(current instanceof PartitionState.Follower follower)
                || registration.leaderEpoch() > follower.leaderEpoch() || registration.leader() != follower.leaderId();
        state = new PartitionState.Follower(registration.leaderEpoch(), registration.partitionEpoch(),
                registration.replicas(), registration.leader());
        remoteReplicas.clear();
        if (restart && registration.leaderEpoch() > 0) {
            logger.info("{}: follower of {} at epoch {} from offset {} (partition epoch {}, high watermark {})",
                    topicPartition, registration.leader(), registration.leaderEpoch(), log.logEndOffset(),
                    registration.partitionEpoch(), highWatermark.offset());
        }
        return restart;
    }

    /**
     * A new image that leaves this partition as it was: an ISR change the controller refused may be proposed again,
     * and one that got no answer is sent again. Under the append lock; returns the change to send.
     */
    private IsrState.Pending afterImage(PartitionState.Leader leader) {
        IsrState next = leader.isrState().afterImage();
        if (next != leader.isrState()) {
            state = leader.withIsrState(next);
        }
        return next instanceof IsrState.Pending resend ? resend : null;
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
     * acks=all is refused before the append while the ISR is smaller than {@code min.insync.replicas}.
     */
    public LogAppendInfo appendRecordsToLeader(MemoryRecords records, short requiredAcks, long nowMs,
                                               TransactionVerifier verifier) {
        LogConfig config = log.config();
        RecordBatchValidator.Summary summary = RecordBatchValidator.validate(records, config, nowMs);
        records = BatchRecompressor.toTopicCompression(records, config);
        LogAppendInfo info;
        synchronized (appendLock) {
            checkOnline();
            if (!(state instanceof PartitionState.Leader leader)) {
                throw new NotLeaderOrFollowerException("This broker is not the leader of " + topicPartition);
            }
            int minIsr = effectiveMinIsr(leader);
            if (requiredAcks == -1 && leader.isr().size() < minIsr) {
                throw new NotEnoughReplicasException("The in-sync replicas of " + topicPartition + " are "
                        + leader.isr() + ", fewer than the " + minIsr + " that min.insync.replicas="
                        + config.minInsyncReplicas() + " asks of " + leader.replicas().size() + " replica(s)");
            }
            if (summary.batchCount() == 1 && verifier == null) {
                producers.checkFromCoordinator(records.firstBatch());
            } else if (summary.batchCount() == 1) {
                RecordBatch batch = records.firstBatch();
                ProducerStateTable.BatchMetadata duplicate = producers.check(batch);
                if (duplicate == null && batch.isTransactional() && !producers.inTransaction(batch.producerId())) {
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
                        throw new InvalidRecordException(
                                "Idempotent producers send one batch per partition per request");
                    }
                }
            }
            info = log.appendAsLeader(records, summary, leader.leaderEpoch(), nowMs);
            for (MutableRecordBatch batch : records.batches()) {
                producers.update(batch);
            }
            maybeIncrementHighWatermark(nowMs);
        }
        return info;
    }

    /** Kafka's {@code effectiveMinIsr}: min.insync.replicas above the replication factor counts as it. */
    private int effectiveMinIsr(PartitionState.Leader leader) {
        return Math.min(log.config().minInsyncReplicas(), leader.replicas().size());
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
            maybeIncrementHighWatermark(nowMs);
            return info;
        }
    }

    /**
     * Where an acks=all append made at {@code leaderEpoch} stands (Kafka's {@code checkEnoughReplicasReachOffset}):
     * null while the high watermark is below {@code requiredOffset}; then NONE, or NOT_ENOUGH_REPLICAS_AFTER_APPEND
     * when the ISR shrank below {@code min.insync.replicas} meanwhile. NOT_LEADER_OR_FOLLOWER once this node no
     * longer leads at that epoch: a new leader may not have the records. Takes no lock.
     */
    Errors replicationOutcome(long requiredOffset, int leaderEpoch) {
        // The high watermark first: leading at leaderEpoch now means leading at it since the append, so the value
        // read is that leader's.
        long hw = highWatermark.offset();
        PartitionState current = state;
        if (log.isOffline()) {
            return Errors.KAFKA_STORAGE_ERROR;
        }
        if (!(current instanceof PartitionState.Leader leader) || leader.leaderEpoch() != leaderEpoch) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (hw < requiredOffset) {
            return null;
        }
        return leader.isrState().maximalIsr().size() >= effectiveMinIsr(leader) ? Errors.NONE
                : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
    }

    /**
     * Moves the high watermark up to the smallest log end among this leader, its maximal ISR and the replicas about
     * to join it (see {@link RemoteReplicas#highWatermarkBound}); never down. This node alone in the ISR means the
     * log end. Recomputes the last stable offset either way. Under the append lock; returns whether it moved.
     */
    private boolean maybeIncrementHighWatermark(long nowMs) {
        boolean moved = false;
        if (state instanceof PartitionState.Leader leader) {
            LogOffsetMetadata end = log.logEndMetadata();
            long bound = remoteReplicas.highWatermarkBound(end.offset(), leader.isrState().maximalIsr(), nowMs,
                    replication.replicaLagTimeMaxMs(), replication.isrEligible());
            LogOffsetMetadata hw = highWatermark;
            if (bound == end.offset() && bound >= hw.offset()) {
                // Also when it stays: the log end's metadata may be newer (a roll moved it to a new segment).
                moved = bound > hw.offset();
                highWatermark = end;
            } else if (bound > hw.offset()) {
                moved = true;
                highWatermark = log.offsetMetadata(bound);
            }
        }
        updateLastStableOffset();
        return moved;
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
        return readForConsumer(offset, maxBytes, minOneBatch, isolation, true);
    }

    /**
     * As {@link #readForConsumer(long, int, boolean, IsolationLevel)}; unless {@code leaderOnly}, a follower answers
     * too (KIP-392), up to its high watermark as the leader last reported it, or its own last stable offset.
     */
    public FetchResult readForConsumer(long offset, int maxBytes, boolean minOneBatch, IsolationLevel isolation,
                                       boolean leaderOnly) {
        checkOnline();
        if (!isLeader() && (leaderOnly || !(state instanceof PartitionState.Follower))) {
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

    /**
     * Reads for follower {@code replicaId} (Kafka's {@code Partition.fetchRecords} from a follower): up to the log
     * end, read_uncommitted whatever the request says, and then, when {@code recordFetch}, takes the fetch offset as
     * the follower's log end, which may move the high watermark and add the follower to the ISR. A follower whose
     * {@code last_fetched_epoch} ends below its fetch offset here is told the diverging epoch and its end offset
     * instead of records (KIP-320); its position is not recorded then. The offsets reported are those from before
     * the read, as Kafka reports them, so appends after the read cannot keep a follower from catching up.
     *
     * @throws NotLeaderOrFollowerException not the leader, or (without a leader epoch in the request) not a replica
     * @throws UnknownLeaderEpochException the leader epoch is newer than this one's, or the fetch names it but the
     *         node is not a replica (Kafka's answer to a replica added by a reassignment this leader has not seen)
     * @throws OffsetOutOfRangeException outside [log start, log end], or the last fetched epoch cannot be placed
     */
    FetchResult readForFollower(int replicaId, FetchPartition fetch, int maxBytes, boolean minOneBatch,
                                boolean recordFetch) {
        checkOnline();
        checkLeaderEpoch(fetch.currentLeaderEpoch());
        PartitionState current = state;
        if (!(current instanceof PartitionState.Leader leader)) {
            throw new NotLeaderOrFollowerException("This broker is not the leader of " + topicPartition);
        }
        if (replicaId == localBrokerId || !leader.replicas().contains(replicaId)) {
            String message = "Replica " + replicaId + " is not a replica of " + topicPartition + " at leader epoch "
                    + leader.leaderEpoch() + " and partition epoch " + leader.partitionEpoch();
            throw fetch.currentLeaderEpoch() >= 0 ? new UnknownLeaderEpochException(message)
                    : new NotLeaderOrFollowerException(message);
        }
        long nowMs = replication.time().milliseconds();
        LogOffsetMetadata hw = highWatermark;
        LogOffsetMetadata stable = lastStableOffsetMetadata();
        long logStart = log.logStartOffset();
        LogOffsetMetadata end = log.logEndMetadata();
        long fetchOffset = fetch.fetchOffset();
        if (fetch.lastFetchedEpoch() >= 0) {
            LeaderEpochCache.EpochEntry epochEnd = log.epochs().endOffsetFor(fetch.lastFetchedEpoch(), end.offset());
            if (epochEnd.epoch() < 0 || epochEnd.startOffset() < 0) {
                throw new OffsetOutOfRangeException("Could not determine the end offset of the last fetched epoch "
                        + fetch.lastFetchedEpoch() + " of " + topicPartition);
            }
            if (fetchOffset < logStart) {
                throw new OffsetOutOfRangeException("Offset " + fetchOffset + " is below the log start offset "
                        + logStart + " of " + topicPartition);
            }
            if (epochEnd.epoch() < fetch.lastFetchedEpoch() || epochEnd.startOffset() < fetchOffset) {
                return new FetchResult(Errors.NONE, hw.offset(), stable.offset(), logStart, MemoryRecords.EMPTY,
                        null, new EpochEndOffset(epochEnd.epoch(), epochEnd.startOffset()));
            }
        }
        Records records = maxBytes <= 0 && !minOneBatch ? MemoryRecords.EMPTY
                : log.read(fetchOffset, maxBytes, end, minOneBatch);
        if (recordFetch) {
            recordFollowerFetch(leader.leaderEpoch(), replicaId, fetchOffset, fetch.logStartOffset(), nowMs,
                    end.offset());
        }
        return new FetchResult(Errors.NONE, hw.offset(), stable.offset(), logStart, records, null);
    }

    /**
     * Kafka's {@code updateFollowerFetchState}: records where the follower is, proposes adding it to the ISR when it
     * caught up, and moves the high watermark when its log end moved.
     */
    private void recordFollowerFetch(int leaderEpoch, int replicaId, long fetchOffset, long followerLogStartOffset,
                                     long nowMs, long leaderEndOffset) {
        IsrState.Pending proposal;
        PartitionState.Leader proposer;
        boolean moved = false;
        synchronized (appendLock) {
            if (!(state instanceof PartitionState.Leader leader) || leader.leaderEpoch() != leaderEpoch
                    || !remoteReplicas.contains(replicaId)) {
                return;
            }
            boolean endMoved = remoteReplicas.recordFetch(replicaId, fetchOffset, followerLogStartOffset, nowMs,
                    leaderEndOffset);
            proposal = maybeExpandIsr(leader, replicaId);
            if (endMoved) {
                moved = maybeIncrementHighWatermark(nowMs);
            }
            proposer = (PartitionState.Leader) state;
        }
        if (proposal != null) {
            submit(proposer, proposal);
        }
        if (moved) {
            replication.completeDelayed().accept(topicPartition);
        }
    }

    /**
     * Kafka's {@code maybeExpandIsr}: a follower outside the ISR that has everything below the high watermark and
     * below this epoch's start is proposed as a member. Under the append lock; returns the change to send.
     */
    private IsrState.Pending maybeExpandIsr(PartitionState.Leader leader, int replicaId) {
        if (!leader.isrState().acceptsProposals() || leader.isr().contains(replicaId)
                || !replication.isrEligible().test(replicaId)
                || !remoteReplicas.mayJoinIsr(replicaId, highWatermark.offset(), leader.epochStartOffset())) {
            return null;
        }
        var change = IsrState.Pending.adding(leader.isr(), replicaId, leader.replicas());
        state = leader.withIsrState(change);
        logger.info("{}: proposing ISR {} (replica {} caught up to the high watermark {})", topicPartition,
                change.proposedIsr(), replicaId, highWatermark.offset());
        return change;
    }

    /**
     * Kafka's {@code maybeShrinkIsr}, run every {@code replica.lag.time.max.ms / 2}: proposes an ISR without the
     * followers not caught up within {@code replica.lag.time.max.ms}. Also sends again a change that got no answer.
     */
    public void maybeShrinkIsr() {
        IsrState.Pending proposal = null;
        PartitionState.Leader proposer = null;
        synchronized (appendLock) {
            if (!(state instanceof PartitionState.Leader leader) || log.isOffline()) {
                return;
            }
            if (leader.isrState() instanceof IsrState.Unanswered unanswered) {
                proposal = unanswered.change();
            } else if (leader.isrState().acceptsProposals()) {
                long nowMs = replication.time().milliseconds();
                Set<Integer> outOfSync = remoteReplicas.outOfSync(leader.isr(), log.logEndOffset(), nowMs,
                        replication.replicaLagTimeMaxMs());
                if (!outOfSync.isEmpty()) {
                    proposal = IsrState.Pending.removing(leader.isr(), outOfSync, leader.replicas());
                    logger.info("{}: proposing ISR {}: {} not caught up within {} ms (high watermark {}, log end {})",
                            topicPartition, proposal.proposedIsr(), outOfSync, replication.replicaLagTimeMaxMs(),
                            highWatermark.offset(), log.logEndOffset());
                }
            }
            if (proposal != null) {
                state = leader.withIsrState(proposal);
                proposer = (PartitionState.Leader) state;
            }
        }
        if (proposal != null) {
            submit(proposer, proposal);
        }
    }

    /** Sends {@code change}, made from {@code leader}'s state, to the controller. Never under the append lock. */
    private void submit(PartitionState.Leader leader, IsrState.Pending change) {
        CompletableFuture<PartitionRegistration> answer;
        try {
            answer = replication.alterPartition().alterPartition(
                    new TopicIdPartition(topicId, topicPartition), leader.leaderEpoch(),
                    leader.partitionEpoch(), change.proposedIsr());
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((registration, failure) -> onAlterPartitionAnswer(change, registration, failure));
    }

    /**
     * Kafka's {@code handleAlterPartitionUpdate} / {@code handleAlterPartitionError}: the answer applies only if the
     * change is still the one pending (a newer registration may have replaced it, which wins).
     */
    private void onAlterPartitionAnswer(IsrState.Pending change, PartitionRegistration answer, Throwable failure) {
        boolean moved = false;
        synchronized (appendLock) {
            if (!(state instanceof PartitionState.Leader leader) || leader.isrState() != change) {
                return;
            }
            if (failure != null) {
                Errors error = Errors.forException(failure instanceof CompletionException
                        && failure.getCause() != null ? failure.getCause() : failure);
                IsrState next = IsrState.afterFailure(change, error);
                state = leader.withIsrState(next);
                logger.info("{}: ISR change to {} failed with {}; ISR stays {}", topicPartition, change.proposedIsr(),
                        error, next.maximalIsr());
            } else if (answer.leaderEpoch() != leader.leaderEpoch()
                    || answer.partitionEpoch() < leader.partitionEpoch()) {
                state = leader.withIsrState(new IsrState.Stale(change));
            } else {
                state = new PartitionState.Leader(leader.leaderEpoch(), answer.partitionEpoch(), leader.replicas(),
                        leader.epochStartOffset(), new IsrState.Committed(Set.copyOf(answer.isr())));
                logger.info("{}: ISR is now {} at partition epoch {}", topicPartition, answer.isr(),
                        answer.partitionEpoch());
                moved = maybeIncrementHighWatermark(replication.time().milliseconds());
            }
        }
        if (moved) {
            replication.completeDelayed().accept(topicPartition);
        }
    }

    /** Forgets idle producers ({@code producer.id.expiration.ms}) and aborted transactions below the log start. */
    public int expireProducers(long nowMs, long expirationMs) {
        synchronized (appendLock) {
            producers.abortedTransactions().removeBelow(log.logStartOffset());
            return producers.expire(nowMs, expirationMs);
        }
    }

    /** Whether {@code producerId} has a transaction open in this partition (its next batch needs no verification). */
    public boolean inTransaction(long producerId) {
        synchronized (appendLock) {
            return producers.inTransaction(producerId);
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

    // ---- FollowerReplica: what a replica fetcher does to a partition this node follows ----

    @Override
    public int latestEpoch() {
        return log.epochs().latestEpoch();
    }

    @Override
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        LeaderEpochCache.EpochEntry end = log.epochs().endOffsetFor(epoch, log.logEndOffset());
        return new EpochEndOffset(end.epoch(), end.startOffset());
    }

    /**
     * Appends the leader's batches as they are and updates the producer state from each, transaction markers
     * included, so a follower that becomes leader rejects duplicates and ends transactions as the old leader did.
     */
    @Override
    public long appendRecordsAsFollower(MemoryRecords records) {
        synchronized (appendLock) {
            checkFollowing();
            log.appendAsFollower(records);
            for (MutableRecordBatch batch : records.batches()) {
                producers.update(batch);
            }
            updateLastStableOffset();
            return log.logEndOffset();
        }
    }

    /**
     * Takes the leader's high watermark, capped at this log's end (it may move down after a truncation, as Kafka's
     * {@code UnifiedLog.updateHighWatermark} sets it), and raises the log start to the leader's.
     */
    @Override
    public void updateFollowerOffsets(long leaderHighWatermark, long leaderLogStartOffset) {
        boolean moved;
        synchronized (appendLock) {
            checkFollowing();
            LogOffsetMetadata end = log.logEndMetadata();
            long hw = Math.max(Math.min(leaderHighWatermark, end.offset()), log.logStartOffset());
            moved = hw != highWatermark.offset();
            if (moved) {
                highWatermark = hw == end.offset() ? end : log.offsetMetadata(hw);
            }
            if (leaderLogStartOffset > log.logStartOffset()) {
                log.advanceLogStartOffset(leaderLogStartOffset);
            }
            // Also recomputes the last stable offset, which the high watermark bounds.
            followLogStart();
        }
        if (moved) {
            // Consumers reading from this follower (KIP-392) may be waiting for it.
            replication.completeDelayed().accept(topicPartition);
        }
    }

    /** Cuts a divergent tail; the producer state and the aborted transactions are rebuilt from what is left. */
    @Override
    public void truncateTo(long offset) {
        synchronized (appendLock) {
            checkNotLeading();
            log.truncateTo(offset);
            LogOffsetMetadata end = log.logEndMetadata();
            if (highWatermark.offset() >= end.offset()) {
                highWatermark = end;
            }
            rebuildProducerState();
        }
        replication.afterTruncation().run();
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        synchronized (appendLock) {
            checkNotLeading();
            log.truncateFullyAndStartAt(offset);
            highWatermark = log.logEndMetadata();
            rebuildProducerState();
        }
        replication.afterTruncation().run();
    }

    /**
     * Re-reads every batch left in the log into an emptied producer state, as opening the log does, then the last
     * stable offset. Under the append lock.
     */
    private void rebuildProducerState() {
        producers.clear();
        forEachBatch(producers::update);
        lastStableOffset = highWatermark;
        updateLastStableOffset();
    }

    private void checkFollowing() {
        checkOnline();
        if (!(state instanceof PartitionState.Follower)) {
            throw new NotLeaderOrFollowerException("This broker does not follow " + topicPartition);
        }
    }

    /** A leader's log is never cut: only a follower truncates to its leader. */
    private void checkNotLeading() {
        checkOnline();
        if (state instanceof PartitionState.Leader) {
            throw new NotLeaderOrFollowerException("This broker leads " + topicPartition + "; it does not truncate");
        }
    }
}
