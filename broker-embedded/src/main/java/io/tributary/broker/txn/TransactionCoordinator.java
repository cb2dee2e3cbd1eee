package io.tributary.broker.txn;

import java.nio.BufferUnderflowException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.types.SchemaException;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of this node (KIP-98): owns the transactional ids whose partition of
 * {@code __transaction_state} ({@code abs(transactionalId.hashCode()) % partitions}) this node leads, and drives
 * each through {@link TransactionState}: InitProducerId (epoch bump, fencing of a zombie's open transaction),
 * AddPartitionsToTxn / AddOffsetsToTxn, EndTxn (a durable PrepareCommit/PrepareAbort, the markers through
 * {@link TransactionMarkers}, then CompleteCommit/CompleteAbort), the abort of transactions open past their
 * timeout, and the expiry of idle ids.
 *
 * <p>Follows Kafka's transaction protocol version 1 (clients send AddPartitionsToTxn; EndTxn keeps the epoch),
 * with KIP-890's server-side verification: {@link #verify} tells a partition leader whether a producer's first
 * transactional write there belongs to its open transaction.
 *
 * <p>Concurrency: each id's {@link TransactionMetadata} is its own lock, held only to decide a transition; the
 * append to {@code __transaction_state} and the marker writes ({@link TransactionWriter}) run outside it.
 */
public final class TransactionCoordinator {
    private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);
    /** How long EndTxn waits for the markers before answering; the decision is durable once prepared. */
    private static final long MARKER_WAIT_MS = 5_000;

    private final TransactionConfig config;
    private final TransactionLog txnLog;
    private final TransactionWriter writer;
    private final ProducerIdAllocator producerIds;
    private final Time time;
    private final Map<Integer, TxnPartition> partitions = new ConcurrentHashMap<>();

    /** The transactional ids of one loaded partition of {@code __transaction_state}. */
    /** A loaded partition of {@code __transaction_state}, read at leader epoch {@code epoch}. */
    private record TxnPartition(int partition, int epoch, Map<String, TransactionMetadata> ids) {
    }

    /** An answer carrying a producer id and epoch (InitProducerId, EndTxn); -1/-1 with an error. */
    public record ProducerResult(Errors error, long producerId, short producerEpoch) {
        static ProducerResult error(Errors error) {
            return new ProducerResult(error, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH);
        }
    }

    public TransactionCoordinator(TransactionConfig config, TransactionLog txnLog, TransactionMarkers markers,
                                  ProducerIdAllocator producerIds, Time time) {
        this.config = config;
        this.txnLog = txnLog;
        this.writer = new TransactionWriter(txnLog, markers, time);
        this.producerIds = producerIds;
        this.time = time;
    }

    public TransactionConfig config() {
        return config;
    }

    /**
     * Stops writing markers: a stopping node leaves the transactions it was completing to the next coordinator of
     * their partitions, which finds them prepared when it loads them.
     */
    public void shutdown() {
        writer.stop();
    }

    /** The partition of {@code __transaction_state} that coordinates {@code transactionalId}. */
    public int partitionFor(String transactionalId) {
        int count = txnLog.partitionCount();
        return Utils.abs(transactionalId.hashCode()) % (count > 0 ? count : config.stateLogNumPartitions());
    }

    /** Loads every partition this node leads, finishing transactions that were prepared before a restart. */
    public void loadHostedPartitions() {
        int count = txnLog.partitionCount();
        for (int partition = 0; partition < count; partition++) {
            if (txnLog.isLeader(partition)) {
                partition(partition);
            }
        }
    }

    private record Routed(TxnPartition partition, Errors error) {
    }

    private Routed route(String transactionalId) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return new Routed(null, Errors.INVALID_REQUEST);
        }
        if (txnLog.partitionCount() <= 0) {
            return new Routed(null, Errors.COORDINATOR_NOT_AVAILABLE);
        }
        TxnPartition partition = partition(partitionFor(transactionalId));
        return partition == null ? new Routed(null, Errors.NOT_COORDINATOR) : new Routed(partition, Errors.NONE);
    }

    /**
     * The partition when this node leads it, loaded on first use; reloaded when it was loaded at an older leader
     * epoch (another coordinator wrote to it in between), dropped when this node no longer leads it.
     */
    private TxnPartition partition(int partition) {
        int epoch = txnLog.isLeader(partition) ? txnLog.leaderEpoch(partition) : -1;
        TxnPartition loaded = partitions.get(partition);
        if (loaded != null && loaded.epoch() != epoch && partitions.remove(partition, loaded)) {
            log.info("{} the transaction coordinator of {}-{} loaded at leader epoch {}", epoch < 0 ? "No longer"
                    : "Reloading", Topic.TRANSACTION_STATE_TOPIC_NAME, partition, loaded.epoch());
            loaded = null;
        }
        if (epoch < 0) {
            return null;
        }
        if (loaded != null) {
            return loaded;
        }
        List<TransactionMetadata> prepared;
        synchronized (this) {
            loaded = partitions.get(partition);
            if (loaded != null) {
                return loaded;
            }
            loaded = load(partition, epoch);
            partitions.put(partition, loaded);
            prepared = loaded.ids().values().stream().filter(md -> md.current().state().isPreparing()).toList();
        }
        for (TransactionMetadata md : prepared) {
            log.info("Transaction {} was {} before this coordinator loaded it: writing its markers",
                    md.transactionalId(), md.current().state().kafkaName());
            writer.complete(loaded.partition(), md);
        }
        return loaded;
    }

    /** Replays a partition of {@code __transaction_state}: the latest record of each id is its state. */
    private TxnPartition load(int partition, int epoch) {
        long startMs = time.milliseconds();
        var ids = new ConcurrentHashMap<String, TransactionMetadata>();
        int[] records = {0};
        txnLog.read(partition, (key, value) -> {
            try {
                String id = TransactionRecords.parseKey(key);
                if (value == null) {
                    ids.remove(id);
                } else {
                    ids.computeIfAbsent(id, i -> new TransactionMetadata(i, null))
                            .replay(TransactionRecords.parseValue(value));
                }
                records[0]++;
            } catch (SchemaException | BufferUnderflowException e) {
                log.warn("{}-{}: skipping an unreadable record: {}", Topic.TRANSACTION_STATE_TOPIC_NAME, partition,
                        e.toString());
            }
        });
        if (records[0] > 0) {
            log.info("Loaded {} transactional id(s) from {} record(s) of {}-{} in {} ms", ids.size(), records[0],
                    Topic.TRANSACTION_STATE_TOPIC_NAME, partition, time.milliseconds() - startMs);
        }
        return new TxnPartition(partition, epoch, ids);
    }

    // ---- InitProducerId ---------------------------------------------------------------------------------------

    /**
     * InitProducerId with a transactional id: the id's producer id at the next epoch, which fences every older
     * instance (KIP-98). An open transaction is aborted first and the caller told CONCURRENT_TRANSACTIONS, so it
     * retries and gets an epoch above the one the abort used. {@code expectedProducerId}/{@code expectedEpoch}
     * (KIP-360, -1 when absent) let a producer re-initialise itself after an error without being fenced, and retry
     * that re-initialisation when its answer was lost: the retry names the epoch the bump came from and gets the
     * current epoch back (Kafka's {@code TransactionCoordinator.handleInitProducerId}, whose order of checks this
     * follows: the empty id before the timeout, the expected producer before the state).
     */
    public CompletableFuture<ProducerResult> initProducerId(String transactionalId, int timeoutMs,
                                                            long expectedProducerId, short expectedEpoch) {
        if (transactionalId == null || transactionalId.isEmpty()) {
            return done(ProducerResult.error(Errors.INVALID_REQUEST));
        }
        if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) {
            return done(ProducerResult.error(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        Routed routed = route(transactionalId);
        if (routed.error() != Errors.NONE) {
            return done(ProducerResult.error(routed.error()));
        }
        TxnPartition partition = routed.partition();
        TransactionMetadata md = partition.ids().get(transactionalId);
        if (md == null) {
            return producerIds.nextProducerId().thenCompose(producerId -> {
                TransactionMetadata created = partition.ids().computeIfAbsent(transactionalId,
                        id -> TransactionMetadata.fresh(id, producerId, timeoutMs, time.milliseconds()));
                return initExisting(partition, created, timeoutMs, expectedProducerId, expectedEpoch);
            }).exceptionally(e -> ProducerResult.error(Errors.COORDINATOR_NOT_AVAILABLE));
        }
        return initExisting(partition, md, timeoutMs, expectedProducerId, expectedEpoch);
    }

    private CompletableFuture<ProducerResult> initExisting(TxnPartition partition, TransactionMetadata md,
                                                           int timeoutMs, long expectedProducerId,
                                                           short expectedEpoch) {
        boolean exhausted;
        synchronized (md) {
            exhausted = epochExhausted(md.current().producerEpoch());
        }
        if (!exhausted) {
            return initTransition(partition, md, timeoutMs, expectedProducerId, expectedEpoch,
                    RecordBatch.NO_PRODUCER_ID);
        }
        return producerIds.nextProducerId().thenCompose(newProducerId -> initTransition(partition, md, timeoutMs,
                expectedProducerId, expectedEpoch, newProducerId));
    }

    /** The next state InitProducerId writes, with the previous epoch it leaves in memory; or why it writes none. */
    private record InitTarget(Errors error, StoredTransaction stored, short lastProducerEpoch) {
        static InitTarget of(StoredTransaction stored, short lastProducerEpoch) {
            return new InitTarget(Errors.NONE, stored, lastProducerEpoch);
        }

        static InitTarget refused(Errors error) {
            return new InitTarget(error, null, RecordBatch.NO_PRODUCER_EPOCH);
        }
    }

    private CompletableFuture<ProducerResult> initTransition(TxnPartition partition, TransactionMetadata md,
                                                             int timeoutMs, long expectedProducerId,
                                                             short expectedEpoch, long newProducerId) {
        boolean expected = expectedProducerId != RecordBatch.NO_PRODUCER_ID;
        long nowMs = time.milliseconds();
        StoredTransaction target;
        synchronized (md) {
            StoredTransaction current = md.current();
            if (md.hasPending()) {
                return done(ProducerResult.error(Errors.CONCURRENT_TRANSACTIONS));
            }
            if (expected && !isExpectedProducer(md, expectedProducerId, expectedEpoch)) {
                return done(ProducerResult.error(Errors.PRODUCER_FENCED));
            }
            if (current.state().isPreparing()) {
                return done(ProducerResult.error(Errors.CONCURRENT_TRANSACTIONS));
            }
            if (current.state() == TransactionState.ONGOING) {
                // Whatever epoch the request expects: the open transaction is aborted and the caller retries.
                target = fencedAbort(current, nowMs);
                md.begin(target, RecordBatch.NO_PRODUCER_EPOCH);
            } else {
                InitTarget next = nextInit(md, timeoutMs, expected, expectedEpoch, newProducerId, nowMs);
                if (next.error() != Errors.NONE) {
                    return done(ProducerResult.error(next.error()));
                }
                target = next.stored();
                md.begin(target, next.lastProducerEpoch());
            }
        }
        if (target.state() == TransactionState.PREPARE_ABORT) {
            log.info("Transactional id {} re-initialised while its transaction was open: aborting it at epoch {}",
                    md.transactionalId(), target.producerEpoch());
            return writer.persist(partition.partition(), md).thenCompose(error -> error != Errors.NONE ? done(error)
                    : writer.complete(partition.partition(), md)).thenApply(error -> ProducerResult.error(
                            error == Errors.NONE ? Errors.CONCURRENT_TRANSACTIONS : error));
        }
        return writer.persist(partition.partition(), md).thenApply(error -> {
            if (error != Errors.NONE) {
                return ProducerResult.error(error);
            }
            log.info("Initialized transactional id {} with producer id {} and epoch {}", md.transactionalId(),
                    target.producerId(), target.producerEpoch());
            return new ProducerResult(Errors.NONE, target.producerId(), target.producerEpoch());
        });
    }

    /**
     * Kafka's {@code isValidProducerId}: the producer a KIP-360 request names may re-initialise when the id has no
     * epoch yet (just created), when it names the current producer id, or when it names the previous one at an
     * exhausted epoch (a retry of the rotation to a new producer id). The epoch is checked by {@link #nextInit}.
     * Under md's lock.
     */
    private static boolean isExpectedProducer(TransactionMetadata md, long expectedProducerId, short expectedEpoch) {
        StoredTransaction current = md.current();
        return current.producerEpoch() == RecordBatch.NO_PRODUCER_EPOCH || expectedProducerId == current.producerId()
                || (expectedProducerId == md.prevProducerId() && epochExhausted(expectedEpoch));
    }

    /**
     * InitProducerId for an id with no open transaction (Kafka's {@code prepareProducerIdRotation} and
     * {@code prepareIncrementProducerEpoch}). A producer without an expected epoch (a new instance) gets the next
     * epoch and clears the previous one, so no older instance can pass for a retry. One that expects the current
     * epoch, or any epoch while there is none yet, gets the next and the current becomes the previous; one that
     * expects the previous epoch is retrying a bump whose answer it lost and gets the current epoch again. An
     * exhausted epoch moves to a new producer id at epoch 0. Any other expected epoch is PRODUCER_FENCED; an
     * exhausted epoch the request does not expect is UNKNOWN_SERVER_ERROR (Kafka's IllegalStateException there).
     * Under md's lock.
     */
    private static InitTarget nextInit(TransactionMetadata md, int timeoutMs, boolean expected, short expectedEpoch,
                                       long newProducerId, long nowMs) {
        StoredTransaction current = md.current();
        short epoch = current.producerEpoch();
        if (epochExhausted(epoch) && (!expected || expectedEpoch == epoch)) {
            if (newProducerId == RecordBatch.NO_PRODUCER_ID) {
                // The epoch ran out after this request looked: let the client retry, which allocates an id.
                return InitTarget.refused(Errors.CONCURRENT_TRANSACTIONS);
            }
            return InitTarget.of(emptyAt(newProducerId, (short) 0, timeoutMs, nowMs),
                    expected ? epoch : RecordBatch.NO_PRODUCER_EPOCH);
        }
        if (epochExhausted(epoch)) {
            log.error("Transactional id {}: no producer epoch left for producer id {}", md.transactionalId(),
                    current.producerId());
            return InitTarget.refused(Errors.UNKNOWN_SERVER_ERROR);
        }
        short bumped = (short) (epoch + 1);
        if (!expected) {
            return InitTarget.of(emptyAt(current.producerId(), bumped, timeoutMs, nowMs),
                    RecordBatch.NO_PRODUCER_EPOCH);
        }
        if (epoch == RecordBatch.NO_PRODUCER_EPOCH || expectedEpoch == epoch) {
            return InitTarget.of(emptyAt(current.producerId(), bumped, timeoutMs, nowMs), epoch);
        }
        if (expectedEpoch == md.lastProducerEpoch()) {
            return InitTarget.of(emptyAt(current.producerId(), epoch, timeoutMs, nowMs), md.lastProducerEpoch());
        }
        log.info("Transactional id {}: expected producer epoch {} is neither the current epoch {} nor the previous"
                + " one {}", md.transactionalId(), expectedEpoch, epoch, md.lastProducerEpoch());
        return InitTarget.refused(Errors.PRODUCER_FENCED);
    }

    private static StoredTransaction emptyAt(long producerId, short epoch, int timeoutMs, long nowMs) {
        return new StoredTransaction(producerId, epoch, timeoutMs, TransactionState.EMPTY, Set.of(), nowMs, -1);
    }

    private static boolean epochExhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }

    /**
     * The open transaction aborted at a bumped epoch, so the producer that owned it is fenced. The caller clears
     * the previous epoch with it (Kafka's epoch fence), so no instance can pass for a retry of an earlier bump.
     */
    private static StoredTransaction fencedAbort(StoredTransaction open, long nowMs) {
        short epoch = epochExhausted(open.producerEpoch()) ? open.producerEpoch() : (short) (open.producerEpoch() + 1);
        return new StoredTransaction(open.producerId(), epoch, open.timeoutMs(), TransactionState.PREPARE_ABORT,
                open.partitions(), nowMs, open.startMs());
    }

    // ---- AddPartitionsToTxn, AddOffsetsToTxn, verification -----------------------------------------------------

    /** Adds partitions to the producer's transaction, opening it if none is open. */
    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short producerEpoch,
                                                   Set<TopicPartition> added) {
        Routed routed = route(transactionalId);
        if (routed.error() != Errors.NONE) {
            return done(routed.error());
        }
        TransactionMetadata md = routed.partition().ids().get(transactionalId);
        if (md == null) {
            return done(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        long nowMs = time.milliseconds();
        synchronized (md) {
            StoredTransaction current = md.current();
            Errors invalid = checkProducer(md, producerId, producerEpoch);
            if (invalid != Errors.NONE) {
                return done(invalid);
            }
            if (current.state() == TransactionState.ONGOING && current.partitions().containsAll(added)) {
                return done(Errors.NONE);
            }
            var partitions = new HashSet<>(current.partitions());
            partitions.addAll(added);
            long startMs = current.state() == TransactionState.ONGOING ? current.startMs() : nowMs;
            md.begin(new StoredTransaction(producerId, producerEpoch, current.timeoutMs(), TransactionState.ONGOING,
                    partitions, nowMs, startMs));
        }
        return writer.persist(routed.partition().partition(), md);
    }

    /** The checks every request of a producer's transaction passes; NONE when they pass. Under md's lock. */
    private static Errors checkProducer(TransactionMetadata md, long producerId, short producerEpoch) {
        StoredTransaction current = md.current();
        if (current.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (current.producerEpoch() != producerEpoch) {
            return Errors.PRODUCER_FENCED;
        }
        if (md.hasPending() || current.state().isPreparing()) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        return Errors.NONE;
    }

    /**
     * KIP-890 verification: whether {@code partition} is in the open transaction of this producer id and epoch,
     * asked by a partition leader before it appends the producer's first transactional batch there. A late or
     * stray write (its transaction already ended, or the partition was never added) gets TRANSACTION_ABORTABLE
     * instead of opening a transaction no marker will ever close. These are the coordinator's answers (Kafka's
     * {@code handleVerifyPartitionsInTransaction}, also what AddPartitionsToTxn v4+ with {@code verifyOnly} returns);
     * the Produce path translates them for the producer.
     */
    public Errors verify(String transactionalId, long producerId, short producerEpoch, TopicPartition partition) {
        Routed routed = route(transactionalId);
        if (routed.error() != Errors.NONE) {
            return routed.error();
        }
        TransactionMetadata md = routed.partition().ids().get(transactionalId);
        if (md == null) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        synchronized (md) {
            StoredTransaction current = md.current();
            if (current.producerId() != producerId) {
                return Errors.INVALID_PRODUCER_ID_MAPPING;
            }
            if (current.producerEpoch() != producerEpoch) {
                return Errors.PRODUCER_FENCED;
            }
            if (current.state().isPreparing()) {
                return Errors.CONCURRENT_TRANSACTIONS;
            }
            // Only an open transaction has partitions: a completed one's record lists none.
            return current.partitions().contains(partition) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE;
        }
    }

    // ---- EndTxn ----------------------------------------------------------------------------------------------

    /**
     * EndTxn: records the decision (PrepareCommit or PrepareAbort), writes the markers, then records the outcome.
     * Answers once the markers are written, or after {@value #MARKER_WAIT_MS} ms if they are still being retried
     * (the decision is durable; the markers follow). A retry of a finished EndTxn gets NONE.
     */
    public CompletableFuture<ProducerResult> endTransaction(String transactionalId, long producerId,
                                                            short producerEpoch, boolean commit) {
        Routed routed = route(transactionalId);
        if (routed.error() != Errors.NONE) {
            return done(ProducerResult.error(routed.error()));
        }
        TransactionMetadata md = routed.partition().ids().get(transactionalId);
        if (md == null) {
            return done(ProducerResult.error(Errors.INVALID_PRODUCER_ID_MAPPING));
        }
        synchronized (md) {
            StoredTransaction current = md.current();
            Errors invalid = checkProducer(md, producerId, producerEpoch);
            TransactionState state = current.state();
            if (invalid == Errors.CONCURRENT_TRANSACTIONS && !md.hasPending() && state.isPreparing()) {
                // A retry of this very EndTxn while its markers are written is CONCURRENT_TRANSACTIONS; the
                // opposite outcome is not a valid transition.
                boolean same = (state == TransactionState.PREPARE_COMMIT) == commit;
                invalid = same ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE;
            }
            if (invalid != Errors.NONE) {
                return done(ProducerResult.error(invalid));
            }
            if (state == TransactionState.COMPLETE_COMMIT || state == TransactionState.COMPLETE_ABORT) {
                boolean same = (state == TransactionState.COMPLETE_COMMIT) == commit;
                return done(same ? new ProducerResult(Errors.NONE, producerId, producerEpoch)
                        : ProducerResult.error(Errors.INVALID_TXN_STATE));
            }
            if (state != TransactionState.ONGOING) {
                return done(ProducerResult.error(Errors.INVALID_TXN_STATE));
            }
            md.begin(current.withState(commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT,
                    time.milliseconds()));
        }
        TxnPartition partition = routed.partition();
        return writer.persist(partition.partition(), md).thenCompose(error -> {
            if (error != Errors.NONE) {
                return done(ProducerResult.error(error));
            }
            return writer.complete(partition.partition(), md).copy().completeOnTimeout(Errors.NONE, MARKER_WAIT_MS, TimeUnit.MILLISECONDS)
                    .thenApply(ignored -> new ProducerResult(Errors.NONE, producerId, producerEpoch));
        });
    }

    // ---- timers ----------------------------------------------------------------------------------------------

    /**
     * Aborts every transaction open for longer than its {@code transaction.timeout.ms}, at a bumped epoch so the
     * producer that abandoned it is fenced. Run every {@code transaction.abort.timed.out.transaction.cleanup.interval.ms}.
     */
    public void abortTimedOutTransactions() {
        long nowMs = time.milliseconds();
        for (TxnPartition loaded : List.copyOf(partitions.values())) {
            // Reloaded when another coordinator led it meanwhile; skipped when this node no longer leads it.
            TxnPartition partition = partition(loaded.partition());
            if (partition == null) {
                continue;
            }
            for (TransactionMetadata md : partition.ids().values()) {
                StoredTransaction target;
                synchronized (md) {
                    StoredTransaction current = md.current();
                    if (md.hasPending() || current.state() != TransactionState.ONGOING
                            || nowMs - current.startMs() <= current.timeoutMs()) {
                        continue;
                    }
                    target = fencedAbort(current, nowMs);
                    md.begin(target, RecordBatch.NO_PRODUCER_EPOCH);
                }
                log.info("Aborting transaction {} of producer {}: open for more than its timeout of {} ms",
                        md.transactionalId(), target.producerId(), target.timeoutMs());
                writer.persist(partition.partition(), md).thenCompose(error -> error == Errors.NONE ? writer.complete(partition.partition(), md)
                        : done(error));
            }
        }
    }

    /**
     * Forgets transactional ids idle for longer than {@code transactional.id.expiration.ms} (a tombstone in
     * {@code __transaction_state}). Run every {@code transaction.remove.expired.transaction.cleanup.interval.ms}.
     */
    public void expireTransactionalIds() {
        long nowMs = time.milliseconds();
        for (TxnPartition loaded : List.copyOf(partitions.values())) {
            // Reloaded when another coordinator led it meanwhile; skipped when this node no longer leads it.
            TxnPartition partition = partition(loaded.partition());
            if (partition == null) {
                continue;
            }
            for (TransactionMetadata md : partition.ids().values()) {
                synchronized (md) {
                    StoredTransaction current = md.current();
                    if (md.hasPending() || !current.state().isIdle()
                            || nowMs - current.lastUpdateMs() <= config.transactionalIdExpirationMs()) {
                        continue;
                    }
                    md.beginRemoval();
                }
                txnLog.append(partition.partition(), TransactionRecords.key(md.transactionalId()), null)
                        .exceptionally(Errors::forException).thenAccept(error -> {
                            synchronized (md) {
                                md.finish(false);
                                if (error == Errors.NONE) {
                                    partition.ids().remove(md.transactionalId(), md);
                                    log.info("Transactional id {} expired", md.transactionalId());
                                }
                            }
                        });
            }
        }
    }

    // ---- admin -----------------------------------------------------------------------------------------------

    /** DescribeTransactions for one id. */
    public DescribeTransactionsResponseData.TransactionState describe(String transactionalId) {
        var described = new DescribeTransactionsResponseData.TransactionState().setTransactionalId(transactionalId)
                .setProducerId(-1).setProducerEpoch((short) -1).setTransactionStartTimeMs(-1);
        Routed routed = route(transactionalId);
        if (routed.error() != Errors.NONE) {
            return described.setErrorCode(routed.error().code());
        }
        TransactionMetadata md = routed.partition().ids().get(transactionalId);
        if (md == null) {
            return described.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
        }
        synchronized (md) {
            StoredTransaction current = md.current();
            var topics = new DescribeTransactionsResponseData.TopicDataCollection();
            for (TopicPartition tp : current.partitions()) {
                var topic = topics.find(tp.topic());
                if (topic == null) {
                    topic = new DescribeTransactionsResponseData.TopicData().setTopic(tp.topic());
                    topics.add(topic);
                }
                topic.partitions().add(tp.partition());
            }
            return described.setErrorCode(Errors.NONE.code()).setTransactionState(current.state().kafkaName())
                    .setTransactionTimeoutMs(current.timeoutMs()).setTransactionStartTimeMs(current.startMs())
                    .setProducerId(current.producerId()).setProducerEpoch(current.producerEpoch())
                    .setTopics(topics);
        }
    }

    /**
     * ListTransactions: the ids this node coordinates, filtered by state names, producer ids, (KIP-994) a
     * minimum duration and (KIP-1152) a pattern the id must match; an empty filter matches everything,
     * {@code minDurationMs < 0} and a null pattern mean no filter.
     *
     * <p>The duration filter is Kafka's, whatever the state: an id is listed when its transaction started more
     * than {@code minDurationMs} ago. So a completed transaction is listed by the start of the transaction it
     * completed, and an id in Empty (start time -1) always is.
     */
    public List<ListTransactionsResponseData.TransactionState> list(Set<String> states, Set<Long> producerIds,
                                                                    long minDurationMs, Pattern idPattern) {
        long nowMs = time.milliseconds();
        var listed = new ArrayList<ListTransactionsResponseData.TransactionState>();
        for (TxnPartition loaded : List.copyOf(partitions.values())) {
            // Reloaded when another coordinator led it meanwhile; skipped when this node no longer leads it.
            TxnPartition partition = partition(loaded.partition());
            if (partition == null) {
                continue;
            }
            for (TransactionMetadata md : partition.ids().values()) {
                synchronized (md) {
                    StoredTransaction current = md.current();
                    String state = current.state().kafkaName();
                    if ((!states.isEmpty() && !states.contains(state))
                            || (!producerIds.isEmpty() && !producerIds.contains(current.producerId()))
                            || (idPattern != null && !idPattern.matcher(md.transactionalId()).matches())
                            || (minDurationMs >= 0 && nowMs - current.startMs() <= minDurationMs)) {
                        continue;
                    }
                    listed.add(new ListTransactionsResponseData.TransactionState()
                            .setTransactionalId(md.transactionalId()).setProducerId(current.producerId())
                            .setTransactionState(state));
                }
            }
        }
        return listed;
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}
