package io.tributary.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.ManualTime;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * The transaction coordinator's state machine on a manual clock, with {@code __transaction_state} and the marker
 * writes in memory: every transition, every error code the protocol defines for it, timeouts, expiry, and a
 * reload that rebuilds the same state and finishes a transaction left prepared.
 */
class TransactionCoordinatorTest {
    private static final String TXN = "orders-1";
    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);

    private final ManualTime time = new ManualTime();
    private final InMemoryLog txnLog = new InMemoryLog();
    private final RecordingMarkers markers = new RecordingMarkers();
    private final AtomicLong nextProducerId = new AtomicLong(1000);
    private TransactionCoordinator coordinator = newCoordinator();

    private TransactionCoordinator newCoordinator() {
        var ids = new ProducerIdAllocator(count -> CompletableFuture.completedFuture(
                nextProducerId.getAndAdd(count)));
        return new TransactionCoordinator(new TransactionConfig(3, 60_000, 3_600_000L, 100, 1000), txnLog, markers,
                ids, time);
    }

    /** {@code __transaction_state} as a list of key/value records per partition. */
    private static final class InMemoryLog implements TransactionLog {
        final Map<Integer, List<byte[][]>> records = new HashMap<>();
        Errors nextAppendError = Errors.NONE;

        public int partitionCount() {
            return 3;
        }

        public boolean isLeader(int partition) {
            return true;
        }

        public int leaderEpoch(int partition) {
            return 7;
        }

        public CompletableFuture<Errors> append(int partition, byte[] key, byte[] value) {
            Errors error = nextAppendError;
            nextAppendError = Errors.NONE;
            if (error == Errors.NONE) {
                records.computeIfAbsent(partition, p -> new ArrayList<>()).add(new byte[][] {key, value});
            }
            return CompletableFuture.completedFuture(error);
        }

        public void read(int partition, Visitor visitor) {
            for (byte[][] record : records.getOrDefault(partition, List.of())) {
                visitor.accept(ByteBuffer.wrap(record[0]), record[1] == null ? null : ByteBuffer.wrap(record[1]));
            }
        }

        List<StoredTransaction> history(String transactionalId) {
            var history = new ArrayList<StoredTransaction>();
            records.values().forEach(list -> list.forEach(record -> {
                if (TransactionRecords.parseKey(ByteBuffer.wrap(record[0])).equals(transactionalId)) {
                    history.add(record[1] == null ? null : TransactionRecords.parseValue(ByteBuffer.wrap(record[1])));
                }
            }));
            return history;
        }
    }

    private record Marker(long producerId, short epoch, int coordinatorEpoch, boolean commit,
                          Set<TopicPartition> partitions) {
    }

    /** Records every marker write; answers NONE unless told otherwise for a partition. */
    private static final class RecordingMarkers implements TransactionMarkers {
        final List<Marker> written = new ArrayList<>();
        final Map<TopicPartition, Errors> failures = new HashMap<>();

        public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch,
                                                                    int coordinatorEpoch, boolean commit,
                                                                    Collection<TopicPartition> partitions) {
            written.add(new Marker(producerId, producerEpoch, coordinatorEpoch, commit, Set.copyOf(partitions)));
            var results = new LinkedHashMap<TopicPartition, Errors>();
            partitions.forEach(tp -> results.put(tp, failures.getOrDefault(tp, Errors.NONE)));
            return CompletableFuture.completedFuture(results);
        }
    }

    private TransactionCoordinator.ProducerResult init() {
        return coordinator.initProducerId(TXN, 30_000, -1, (short) -1).join();
    }

    private String state() {
        return coordinator.describe(TXN).transactionState();
    }

    @Test
    void firstInitGivesEpochZeroAndEachReinitBumpsTheEpoch() {
        var first = init();
        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.producerId()).isEqualTo(1000);
        assertThat(first.producerEpoch()).isZero();
        var second = init();
        assertThat(second.producerId()).isEqualTo(1000);
        assertThat(second.producerEpoch()).isEqualTo((short) 1);
        assertThat(state()).isEqualTo("Empty");
    }

    @Test
    void timeoutAboveTheMaximumIsRefused() {
        assertThat(coordinator.initProducerId(TXN, 60_001, -1, (short) -1).join().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(coordinator.initProducerId("", 1000, -1, (short) -1).join().error())
                .isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void commitWritesPrepareThenMarkersThenComplete() {
        var producer = init();
        assertThat(coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0, P1))
                .join()).isEqualTo(Errors.NONE);
        assertThat(state()).isEqualTo("Ongoing");
        assertThat(coordinator.verify(TXN, producer.producerId(), producer.producerEpoch(), P0)).isEqualTo(Errors.NONE);

        var ended = coordinator.endTransaction(TXN, producer.producerId(), producer.producerEpoch(), true).join();
        assertThat(ended.error()).isEqualTo(Errors.NONE);
        assertThat(markers.written).containsExactly(new Marker(1000, (short) 0, 7, true, Set.of(P0, P1)));
        assertThat(txnLog.history(TXN)).extracting(t -> t.state().kafkaName())
                .containsExactly("Empty", "Ongoing", "PrepareCommit", "CompleteCommit");
        assertThat(state()).isEqualTo("CompleteCommit");
        // After the transaction, the partition is no longer in one: a late write is refused.
        assertThat(coordinator.verify(TXN, producer.producerId(), producer.producerEpoch(), P0))
                .isEqualTo(Errors.TRANSACTION_ABORTABLE);
        // A retried EndTxn of the same outcome succeeds; the other outcome is an invalid transition.
        assertThat(coordinator.endTransaction(TXN, 1000, (short) 0, true).join().error()).isEqualTo(Errors.NONE);
        assertThat(coordinator.endTransaction(TXN, 1000, (short) 0, false).join().error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void requestsOfAnotherProducerIdOrAnOlderEpochAreRefused() {
        var producer = init();
        assertThat(coordinator.addPartitions(TXN, 999, producer.producerEpoch(), Set.of(P0)).join())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        init();
        assertThat(coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0)).join())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.addPartitions("unknown", 1000, (short) 0, Set.of(P0)).join())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(coordinator.endTransaction(TXN, 1000, (short) 1, true).join().error())
                .isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void reinitWhileATransactionIsOpenAbortsItAtABumpedEpochAndAsksTheCallerToRetry() {
        var zombie = init();
        coordinator.addPartitions(TXN, zombie.producerId(), zombie.producerEpoch(), Set.of(P0)).join();

        assertThat(init().error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(markers.written).containsExactly(new Marker(1000, (short) 1, 7, false, Set.of(P0)));
        assertThat(state()).isEqualTo("CompleteAbort");

        var successor = init();
        assertThat(successor.error()).isEqualTo(Errors.NONE);
        assertThat(successor.producerEpoch()).isEqualTo((short) 2);
        assertThat(coordinator.endTransaction(TXN, zombie.producerId(), zombie.producerEpoch(), true).join().error())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.initProducerId(TXN, 30_000, zombie.producerId(), zombie.producerEpoch()).join()
                .error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    private TransactionCoordinator.ProducerResult reinit(long producerId, short epoch) {
        return coordinator.initProducerId(TXN, 30_000, producerId, epoch).join();
    }

    private static TransactionCoordinator.ProducerResult result(long producerId, int epoch) {
        return new TransactionCoordinator.ProducerResult(Errors.NONE, producerId, (short) epoch);
    }

    @Test
    void retriedEpochBumpIsAnsweredWithTheCurrentEpoch() {
        init();
        assertThat(reinit(1000, (short) 0)).isEqualTo(result(1000, 1));
        // The answer was lost: the producer asks again with the epoch it had (Kafka's lastProducerEpoch).
        assertThat(reinit(1000, (short) 0)).isEqualTo(result(1000, 1));
        assertThat(reinit(1000, (short) 0)).isEqualTo(result(1000, 1));
        assertThat(reinit(1000, (short) 1)).isEqualTo(result(1000, 2));
        // Two bumps back is no retry.
        assertThat(reinit(1000, (short) 0).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(reinit(999, (short) 2).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(state()).isEqualTo("Empty");
    }

    @Test
    void newInstanceForgetsThePreviousEpochSoTheOldOneCannotPassForARetry() {
        init();
        assertThat(reinit(1000, (short) 0)).isEqualTo(result(1000, 1));
        assertThat(init()).isEqualTo(result(1000, 2));
        assertThat(reinit(1000, (short) 1).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(reinit(1000, (short) 0).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void previousEpochIsForgottenWhenThePartitionIsLoaded() {
        // Kafka's TransactionLogValue has no previous epoch (TransactionLog.read loads it as -1): a retry that spans
        // a coordinator change is fenced there too. The current epoch survives.
        init();
        assertThat(reinit(1000, (short) 0)).isEqualTo(result(1000, 1));
        coordinator = newCoordinator();
        coordinator.loadHostedPartitions();
        assertThat(reinit(1000, (short) 0).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(reinit(1000, (short) 1)).isEqualTo(result(1000, 2));
        assertThat(reinit(1000, (short) 1)).isEqualTo(result(1000, 2));
    }

    @Test
    void retriedRotationToANewProducerIdIsAnsweredWithTheNewId() {
        init();
        short exhausted = Short.MAX_VALUE - 1;
        txnLog.append(coordinator.partitionFor(TXN), TransactionRecords.key(TXN), TransactionRecords.value(
                new StoredTransaction(1000, exhausted, 30_000, TransactionState.EMPTY, Set.of(), time.milliseconds(),
                        -1)));
        coordinator = newCoordinator();
        coordinator.loadHostedPartitions();

        var rotated = reinit(1000, exhausted);
        assertThat(rotated.error()).isEqualTo(Errors.NONE);
        assertThat(rotated.producerId()).isNotEqualTo(1000);
        assertThat(rotated.producerEpoch()).isZero();
        // The retry names the old producer id at its exhausted epoch (Kafka's prevProducerId).
        assertThat(reinit(1000, exhausted)).isEqualTo(rotated);
        assertThat(reinit(1000, (short) (exhausted - 1)).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void reinitWithAnOlderEpochWhileATransactionIsOpenAbortsItFirst() {
        // Kafka checks the expected epoch only once no transaction is open: an open one is aborted whatever the
        // request expects (its producer id matches), and the retry is then fenced.
        var producer = init();
        assertThat(reinit(1000, (short) 0)).isEqualTo(result(1000, 1));
        coordinator.addPartitions(TXN, 1000, (short) 1, Set.of(P0)).join();
        assertThat(reinit(1000, (short) 0).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(markers.written).containsExactly(new Marker(1000, (short) 2, 7, false, Set.of(P0)));
        assertThat(reinit(producer.producerId(), producer.producerEpoch()).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(reinit(1000, (short) 1).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(reinit(1000, (short) 2)).isEqualTo(result(1000, 3));
    }

    @Test
    void emptyTransactionalIdIsAnInvalidRequestWhateverTheTimeout() {
        assertThat(coordinator.initProducerId("", 0, -1, (short) -1).join().error())
                .isEqualTo(Errors.INVALID_REQUEST);
        assertThat(coordinator.initProducerId("", 60_001, -1, (short) -1).join().error())
                .isEqualTo(Errors.INVALID_REQUEST);
    }

    @Test
    void transactionOpenPastItsTimeoutIsAbortedAndItsProducerFenced() {
        var producer = init();
        coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P1)).join();
        time.advance(30_000);
        coordinator.abortTimedOutTransactions();
        assertThat(markers.written).isEmpty();

        time.advance(1);
        coordinator.abortTimedOutTransactions();
        assertThat(markers.written).containsExactly(new Marker(1000, (short) 1, 7, false, Set.of(P1)));
        assertThat(state()).isEqualTo("CompleteAbort");
        assertThat(coordinator.endTransaction(TXN, producer.producerId(), producer.producerEpoch(), true).join()
                .error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void idleTransactionalIdExpiresWithATombstone() {
        init();
        time.advance(3_600_000);
        coordinator.expireTransactionalIds();
        assertThat(state()).isEqualTo("Empty");
        time.advance(1);
        coordinator.expireTransactionalIds();
        assertThat(coordinator.describe(TXN).errorCode()).isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
        assertThat(txnLog.history(TXN)).last().isNull();
        // Expired ids start afresh: a new producer id.
        assertThat(init().producerId()).isNotEqualTo(1000);
    }

    @Test
    void failedAppendChangesNothing() {
        var producer = init();
        txnLog.nextAppendError = Errors.NOT_LEADER_OR_FOLLOWER;
        assertThat(coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0)).join())
                .isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(state()).isEqualTo("Empty");
        assertThat(coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0)).join())
                .isEqualTo(Errors.NONE);
    }

    @Test
    void markersAreRetriedUntilEveryPartitionHasOne() {
        var producer = init();
        coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0, P1)).join();
        markers.failures.put(P1, Errors.NOT_LEADER_OR_FOLLOWER);
        var ended = coordinator.endTransaction(TXN, producer.producerId(), producer.producerEpoch(), false);
        assertThat(state()).isEqualTo("PrepareAbort");
        assertThat(coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0)).join())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        markers.failures.clear();
        // The retry runs after a back-off on a real delay; the answer comes once the markers are in.
        assertThat(ended.join().error()).isEqualTo(Errors.NONE);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> state().equals("CompleteAbort"));
        assertThat(markers.written).extracting(Marker::partitions).containsExactly(Set.of(P0, P1), Set.of(P1));
    }

    @Test
    void reloadRebuildsEveryIdAndFinishesAPreparedTransaction() {
        var producer = init();
        coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0)).join();
        // Crash between PrepareCommit and the markers: the log holds PrepareCommit as the last state.
        var prepared = txnLog.history(TXN).get(1).withState(TransactionState.PREPARE_COMMIT, time.milliseconds());
        txnLog.append(coordinator.partitionFor(TXN), TransactionRecords.key(TXN), TransactionRecords.value(prepared));

        coordinator = newCoordinator();
        coordinator.loadHostedPartitions();
        assertThat(markers.written).containsExactly(new Marker(1000, (short) 0, 7, true, Set.of(P0)));
        assertThat(state()).isEqualTo("CompleteCommit");
        assertThat(init().producerEpoch()).isEqualTo((short) 1);
    }

    @Test
    void listFiltersByStateProducerAndDuration() {
        var producer = init();
        coordinator.addPartitions(TXN, producer.producerId(), producer.producerEpoch(), Set.of(P0)).join();
        coordinator.initProducerId("other", 30_000, -1, (short) -1).join();
        time.advance(500);
        assertThat(coordinator.list(Set.of(), Set.of(), -1, null)).hasSize(2);
        assertThat(coordinator.list(Set.of("Ongoing"), Set.of(), -1, null))
                .extracting(t -> t.transactionalId()).containsExactly(TXN);
        assertThat(coordinator.list(Set.of(), Set.of(1000L), -1, null))
                .extracting(t -> t.transactionalId()).containsExactly(TXN);
        // Kafka's duration filter: by the start of the id's transaction, whatever its state; an id that never
        // started one (start -1) passes every duration.
        assertThat(coordinator.list(Set.of(), Set.of(), 400, null)).hasSize(2);
        assertThat(coordinator.list(Set.of(), Set.of(), 500, null))
                .extracting(t -> t.transactionalId()).containsExactly("other");
        assertThat(coordinator.list(Set.of(), Set.of(), -1, java.util.regex.Pattern.compile("oth.*")))
                .extracting(t -> t.transactionalId()).containsExactly("other");
    }
}
