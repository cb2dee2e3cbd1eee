package io.tributary.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction admin APIs (KIP-664) through the Java Admin client, on transactions of real Java producers:
 * ListTransactions with its filters, DescribeTransactions through a transaction's life, DescribeProducers on a
 * partition with an open transaction, and {@code abortTransaction}, which writes an ABORT marker straight to the
 * partition (WriteTxnMarkers) the way an operator closes a hanging transaction.
 */
class TransactionAdminTest {
    private static final String TOPIC = "ledger";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    /** Not the client's default (60 s), so the coordinator visibly keeps what the producer asked for. */
    private static final int TRANSACTION_TIMEOUT_MS = 45_000;
    private static final int BROKER_ID = 1;

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private Admin admin;
    private final List<KafkaProducer<String, String>> producers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dataDir, TestBroker.FAST_TRANSACTIONS);
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 2, Map.of());
        admin = Clients.admin(broker.bootstrapServers());
    }

    @AfterEach
    void stop() {
        producers.forEach(producer -> producer.close(Duration.ZERO));
        if (admin != null) {
            admin.close(Duration.ZERO);
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** A transactional producer after initTransactions; closed after the test without waiting. */
    private KafkaProducer<String, String> transactional(String transactionalId) {
        KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS));
        producers.add(producer);
        producer.initTransactions();
        return producer;
    }

    /** A producer without a producer id (not idempotent), so DescribeProducers shows only transactional ones. */
    private KafkaProducer<String, String> plain() {
        KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1"));
        producers.add(producer);
        return producer;
    }

    private TransactionDescription describe(String transactionalId) throws Exception {
        return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
    }

    private List<TransactionListing> list(ListTransactionsOptions options) throws Exception {
        return List.copyOf(admin.listTransactions(options).all().get());
    }

    private List<ProducerState> producersOf(TopicPartition tp) throws Exception {
        return admin.describeProducers(List.of(tp)).partitionResult(tp).get().activeProducers();
    }

    private long endOffset(TopicPartition tp, IsolationLevel isolation) {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT)))) {
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** The values of {@code tp} a consumer at {@code isolation} reads up to its end offset, in offset order. */
    private List<String> values(TopicPartition tp, IsolationLevel isolation) {
        return Clients.readToEnd(broker.bootstrapServers(), tp, isolation).stream().map(ConsumerRecord::value)
                .toList();
    }

    private static long send(KafkaProducer<String, String> producer, TopicPartition tp, long timestamp, String value)
            throws Exception {
        return producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), timestamp, "k", value)).get().offset();
    }

    @Test
    void listTransactionsFiltersByStateProducerIdDurationAndIdPattern() throws Exception {
        transactional("list-empty");
        KafkaProducer<String, String> open = transactional("list-open");
        open.beginTransaction();
        send(open, P0, System.currentTimeMillis(), "open");
        KafkaProducer<String, String> committed = transactional("list-committed");
        committed.beginTransaction();
        send(committed, P1, System.currentTimeMillis(), "committed");
        committed.commitTransaction();
        KafkaProducer<String, String> aborted = transactional("list-aborted");
        aborted.beginTransaction();
        send(aborted, P1, System.currentTimeMillis(), "aborted");
        aborted.abortTransaction();

        // Every listing carries the producer id DescribeTransactions reports for the same transactional id.
        var producerIds = new HashMap<String, Long>();
        for (String id : List.of("list-empty", "list-open", "list-committed", "list-aborted")) {
            producerIds.put(id, describe(id).producerId());
        }
        assertThat(Set.copyOf(producerIds.values())).hasSize(4);
        var empty = new TransactionListing("list-empty", producerIds.get("list-empty"), TransactionState.EMPTY);
        var ongoing = new TransactionListing("list-open", producerIds.get("list-open"), TransactionState.ONGOING);
        var completeCommit = new TransactionListing("list-committed", producerIds.get("list-committed"),
                TransactionState.COMPLETE_COMMIT);
        var completeAbort = new TransactionListing("list-aborted", producerIds.get("list-aborted"),
                TransactionState.COMPLETE_ABORT);

        assertThat(admin.listTransactions().allByBrokerId().get()).containsOnlyKeys(BROKER_ID);
        assertThat(list(new ListTransactionsOptions()))
                .containsExactlyInAnyOrder(empty, ongoing, completeCommit, completeAbort);
        assertThat(list(new ListTransactionsOptions().filterStates(List.of(TransactionState.ONGOING))))
                .containsExactly(ongoing);
        assertThat(list(new ListTransactionsOptions().filterStates(
                List.of(TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT))))
                .containsExactlyInAnyOrder(completeCommit, completeAbort);
        assertThat(list(new ListTransactionsOptions().filterProducerIds(List.of(producerIds.get("list-committed")))))
                .containsExactly(completeCommit);
        assertThat(list(new ListTransactionsOptions().filterProducerIds(List.of(producerIds.get("list-empty"),
                producerIds.get("list-aborted"))))).containsExactlyInAnyOrder(empty, completeAbort);
        assertThat(list(new ListTransactionsOptions().filterStates(List.of(TransactionState.ONGOING))
                .filterProducerIds(List.of(producerIds.get("list-committed"))))).isEmpty();
        // KIP-994 as Kafka filters: by the start of the id's last transaction, whatever its state. An id in Empty
        // has no start time (-1), so it passes any duration.
        assertThat(list(new ListTransactionsOptions().filterOnDuration(0)))
                .containsExactlyInAnyOrder(empty, ongoing, completeCommit, completeAbort);
        assertThat(list(new ListTransactionsOptions().filterOnDuration(Duration.ofHours(1).toMillis())))
                .containsExactly(empty);
        // KIP-1152: a regular expression the whole transactional id matches.
        assertThat(list(new ListTransactionsOptions().filterOnTransactionalIdPattern("list-.*ed")))
                .containsExactlyInAnyOrder(completeCommit, completeAbort);
    }

    @Test
    void describeTransactionsFollowsATransactionFromEmptyThroughOngoingToCompleteCommit() throws Exception {
        KafkaProducer<String, String> producer = transactional("describe-me");
        TransactionDescription initialised = describe("describe-me");
        long producerId = initialised.producerId();
        assertThat(initialised).isEqualTo(new TransactionDescription(BROKER_ID, TransactionState.EMPTY, producerId,
                0, TRANSACTION_TIMEOUT_MS, OptionalLong.empty(), Set.of()));

        long beforeBegin = System.currentTimeMillis();
        producer.beginTransaction();
        send(producer, P0, beforeBegin, "a");
        send(producer, P1, beforeBegin, "b");
        long afterSends = System.currentTimeMillis();
        TransactionDescription ongoing = describe("describe-me");
        assertThat(ongoing.transactionStartTimeMs()).isPresent();
        long startMs = ongoing.transactionStartTimeMs().getAsLong();
        assertThat(startMs).isBetween(beforeBegin, afterSends);
        assertThat(ongoing).isEqualTo(new TransactionDescription(BROKER_ID, TransactionState.ONGOING, producerId, 0,
                TRANSACTION_TIMEOUT_MS, OptionalLong.of(startMs), Set.of(P0, P1)));

        producer.commitTransaction();
        // The markers are written once EndTxn returns: the partitions are done, the start time stays (as Kafka's).
        assertThat(describe("describe-me")).isEqualTo(new TransactionDescription(BROKER_ID,
                TransactionState.COMPLETE_COMMIT, producerId, 0, TRANSACTION_TIMEOUT_MS, OptionalLong.of(startMs),
                Set.of()));
    }

    @Test
    void describeTransactionsOfAnUnknownIdFailsWithTransactionalIdNotFound() throws Exception {
        transactional("known");

        assertThatThrownBy(() -> describe("never-used"))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TransactionalIdNotFoundException.class);
        assertThat(describe("known").state()).isEqualTo(TransactionState.EMPTY);
    }

    @Test
    void describeProducersShowsWhereTheOpenTransactionStartedUntilItCommits() throws Exception {
        long baseTimestamp = System.currentTimeMillis() - 10_000;
        send(plain(), P0, baseTimestamp, "plain");
        KafkaProducer<String, String> producer = transactional("producers");
        long producerId = describe("producers").producerId();
        producer.beginTransaction();
        long firstOffset = send(producer, P0, baseTimestamp + 1, "t1");
        send(producer, P0, baseTimestamp + 2, "t2");
        assertThat(firstOffset).isEqualTo(1);

        // Two records, sequences 0 and 1; no marker yet, so no coordinator epoch.
        assertThat(producersOf(P0)).containsExactly(new ProducerState(producerId, 0, 1, baseTimestamp + 2,
                OptionalInt.empty(), OptionalLong.of(firstOffset)));
        assertThat(producersOf(P1)).isEmpty();
        assertThat(endOffset(P0, IsolationLevel.READ_COMMITTED)).isEqualTo(firstOffset);

        long beforeCommit = System.currentTimeMillis();
        producer.commitTransaction();

        // The COMMIT marker closed the transaction; its timestamp (the broker's clock) is the latest one now, and
        // it carries the coordinator epoch: the leader epoch of the coordinator's __transaction_state partition.
        List<ProducerState> afterCommit = producersOf(P0);
        assertThat(afterCommit).hasSize(1);
        ProducerState committed = afterCommit.get(0);
        assertThat(committed.lastTimestamp()).isGreaterThanOrEqualTo(beforeCommit);
        assertThat(committed).isEqualTo(new ProducerState(producerId, 0, 1, committed.lastTimestamp(),
                OptionalInt.of(0), OptionalLong.empty()));
        assertThat(endOffset(P0, IsolationLevel.READ_COMMITTED)).isEqualTo(4);
        assertThat(values(P0, IsolationLevel.READ_COMMITTED)).containsExactly("plain", "t1", "t2");
    }

    @Test
    void abortTransactionWritesAnAbortMarkerThatReleasesTheLastStableOffset() throws Exception {
        long now = System.currentTimeMillis();
        KafkaProducer<String, String> plain = plain();
        send(plain, P0, now, "before");
        KafkaProducer<String, String> producer = transactional("left-open");
        producer.beginTransaction();
        long startOffset = send(producer, P0, now, "hanging");
        send(plain, P0, now, "after");
        assertThat(endOffset(P0, IsolationLevel.READ_COMMITTED)).isEqualTo(startOffset).isEqualTo(1);
        assertThat(endOffset(P0, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(3);

        // What kafka-transactions.sh abort --start-offset does: find the producer whose transaction starts there
        // and abort it with its id and epoch; a producer no marker reached yet has coordinator epoch -1, sent as 0.
        ProducerState open = producersOf(P0).stream()
                .filter(state -> state.currentTransactionStartOffset().equals(OptionalLong.of(startOffset)))
                .findFirst().orElseThrow();
        assertThat(open.producerId()).isEqualTo(describe("left-open").producerId());
        assertThat(open.coordinatorEpoch()).isEmpty();
        admin.abortTransaction(new AbortTransactionSpec(P0, open.producerId(), (short) open.producerEpoch(), 0))
                .all().get();

        // before@0 hanging@1 after@2 ABORT@3: nothing holds the partition back any more.
        assertThat(endOffset(P0, IsolationLevel.READ_COMMITTED)).isEqualTo(4);
        assertThat(values(P0, IsolationLevel.READ_COMMITTED)).containsExactly("before", "after");
        assertThat(values(P0, IsolationLevel.READ_UNCOMMITTED)).containsExactly("before", "hanging", "after");
        List<ProducerState> afterAbort = producersOf(P0);
        assertThat(afterAbort).hasSize(1);
        ProducerState closed = afterAbort.get(0);
        assertThat(closed.producerId()).isEqualTo(open.producerId());
        assertThat(closed.currentTransactionStartOffset()).isEmpty();
        assertThat(closed.coordinatorEpoch()).isEqualTo(OptionalInt.of(0));
    }

    @Test
    void abortTransactionWithAnEpochOlderThanThePartitionKnowsIsRefused() throws Exception {
        transactional("fenced-twice").close();
        // The second instance of the id is at epoch 1; its transaction is open on partition 1.
        KafkaProducer<String, String> current = transactional("fenced-twice");
        current.beginTransaction();
        send(current, P1, System.currentTimeMillis(), "current");
        TransactionDescription described = describe("fenced-twice");
        assertThat(described.producerEpoch()).isEqualTo(1);
        long producerId = described.producerId();

        assertThatThrownBy(() -> admin.abortTransaction(new AbortTransactionSpec(P1, producerId, (short) 0, 0))
                .all().get())
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(InvalidProducerEpochException.class);
        assertThat(endOffset(P1, IsolationLevel.READ_COMMITTED)).isZero();

        admin.abortTransaction(new AbortTransactionSpec(P1, producerId, (short) 1, 0)).all().get();
        assertThat(endOffset(P1, IsolationLevel.READ_COMMITTED)).isEqualTo(2);
        assertThat(values(P1, IsolationLevel.READ_COMMITTED)).isEmpty();
    }
}
