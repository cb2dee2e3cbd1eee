package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transactions as librdkafka 2.15 drives them ({@code Kafka.Producer} of Confluent's JavaScript client:
 * initTransactions, commit, abort, sendOffsetsToTransaction), side by side with Apache Kafka 4.3.1
 * ({@link SideBySide}). librdkafka speaks the transaction protocol itself (FindCoordinator, InitProducerId,
 * AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn), so this checks the coordinator and the partition
 * leaders against a client other than kafka-clients. The scenarios are {@code interop/confluent-js/scenarios/
 * transactions.js}.
 *
 * <p>Offsets count the control records: each transaction that wrote to a partition ends with a marker there, so a
 * committed c1 c2 puts the next transaction's first record at offset 3.
 */
class LibrdkafkaTransactionsInteropTest {
    @RegisterExtension
    static final SideBySide brokers = new SideBySide();

    @Test
    void readCommittedSeesTheCommittedRecordsAndReadUncommittedTheAbortedOnesToo() throws Exception {
        assertThat(brokers.run("transactions", "commit-and-abort")).containsExactly(
                "initTransactions",
                "beginTransaction",
                "delivered c1 to txn partition 0 offset 0",
                "delivered c2 to txn partition 0 offset 1",
                "commitTransaction",
                "beginTransaction",
                "delivered a1 to txn partition 0 offset 3",
                "delivered a2 to txn partition 0 offset 4",
                "open transaction: last stable offset 3 high watermark 5",
                "abortTransaction",
                "beginTransaction",
                "delivered c3 to txn partition 0 offset 6",
                "commitTransaction",
                "read_committed txn partition 0 offset 0 value 'c1'",
                "read_committed txn partition 0 offset 1 value 'c2'",
                "read_committed txn partition 0 offset 6 value 'c3'",
                "read_uncommitted txn partition 0 offset 0 value 'c1'",
                "read_uncommitted txn partition 0 offset 1 value 'c2'",
                "read_uncommitted txn partition 0 offset 3 value 'a1'",
                "read_uncommitted txn partition 0 offset 4 value 'a2'",
                "read_uncommitted txn partition 0 offset 6 value 'c3'");
    }

    /** read_committed stops at an open transaction, plain records after it included, and skips it once aborted. */
    @Test
    void readCommittedSkipsAnAbortedTransactionBetweenPlainRecords() throws Exception {
        assertThat(brokers.run("transactions", "interleaved")).containsExactly(
                "delivered p1 to interleaved partition 0 offset 0",
                "beginTransaction",
                "delivered a1 to interleaved partition 0 offset 1",
                "delivered p2 to interleaved partition 0 offset 2",
                "open transaction: last stable offset 1 high watermark 3",
                "abortTransaction",
                "delivered p3 to interleaved partition 0 offset 4",
                "beginTransaction",
                "delivered c1 to interleaved partition 0 offset 5",
                "commitTransaction",
                "read_committed interleaved partition 0 offset 0 value 'p1'",
                "read_committed interleaved partition 0 offset 2 value 'p2'",
                "read_committed interleaved partition 0 offset 4 value 'p3'",
                "read_committed interleaved partition 0 offset 5 value 'c1'",
                "read_uncommitted interleaved partition 0 offset 0 value 'p1'",
                "read_uncommitted interleaved partition 0 offset 1 value 'a1'",
                "read_uncommitted interleaved partition 0 offset 2 value 'p2'",
                "read_uncommitted interleaved partition 0 offset 4 value 'p3'",
                "read_uncommitted interleaved partition 0 offset 5 value 'c1'");
    }

    @Test
    void transactionOverSeveralTopicsAndPartitionsEndsInEachOfThem() throws Exception {
        assertThat(brokers.run("transactions", "several-partitions")).containsExactly(
                "beginTransaction",
                "delivered one-a0 to multi-a partition 0 offset 0",
                "delivered one-a1 to multi-a partition 1 offset 0",
                "delivered one-b0 to multi-b partition 0 offset 0",
                "commitTransaction",
                "beginTransaction",
                "delivered two-a0 to multi-a partition 0 offset 2",
                "delivered two-b0 to multi-b partition 0 offset 2",
                "abortTransaction",
                "beginTransaction",
                "delivered three-a1 to multi-a partition 1 offset 2",
                "delivered three-b0 to multi-b partition 0 offset 4",
                "commitTransaction",
                "read_committed multi-a partition 0 offset 0 value 'one-a0'",
                "read_committed multi-a partition 1 offset 0 value 'one-a1'",
                "read_committed multi-a partition 1 offset 2 value 'three-a1'",
                "read_committed multi-b partition 0 offset 0 value 'one-b0'",
                "read_committed multi-b partition 0 offset 4 value 'three-b0'",
                "read_uncommitted multi-a partition 0 offset 0 value 'one-a0'",
                "read_uncommitted multi-a partition 0 offset 2 value 'two-a0'",
                "read_uncommitted multi-a partition 1 offset 0 value 'one-a1'",
                "read_uncommitted multi-a partition 1 offset 2 value 'three-a1'",
                "read_uncommitted multi-b partition 0 offset 0 value 'one-b0'",
                "read_uncommitted multi-b partition 0 offset 2 value 'two-b0'",
                "read_uncommitted multi-b partition 0 offset 4 value 'three-b0'");
    }

    /**
     * The first producer's open transaction is aborted when the second initialises; its next produce gets
     * INVALID_PRODUCER_EPOCH (47) from the partition leader, and its commit fails fatally (librdkafka's _FENCED,
     * -144), whether or not that produce came first.
     */
    @ParameterizedTest
    @ValueSource(strings = {"produce", "commit"})
    void secondProducerWithTheSameTransactionalIdFencesTheFirst(String firstCall) throws Exception {
        var expected = new ArrayList<String>(List.of(
                "beginTransaction",
                "delivered old-1 to fenced partition 0 offset 0",
                "second producer initTransactions"));
        if (firstCall.equals("produce")) {
            expected.add("first producer produce error 47");
        }
        expected.addAll(List.of(
                "first producer commitTransaction error -144 fatal true",
                "beginTransaction",
                "delivered new-1 to fenced partition 0 offset 2",
                "commitTransaction",
                "read_committed fenced partition 0 offset 2 value 'new-1'",
                "read_uncommitted fenced partition 0 offset 0 value 'old-1'",
                "read_uncommitted fenced partition 0 offset 2 value 'new-1'"));

        assertThat(brokers.run("transactions", "fencing", firstCall)).containsExactlyElementsOf(expected);
    }

    /**
     * MESSAGE_TOO_LARGE (10) inside a transaction requires an abort; the rejected record's sequence number is then a
     * gap (OUT_OF_ORDER_SEQUENCE_NUMBER, 45, for the next transaction's record, which librdkafka purges: -152), and
     * the abort after that bumps the epoch through InitProducerId with the current producer id and epoch (KIP-360).
     */
    @Test
    void producerRecoversFromAnAbortableErrorByAbortingAndBumpingItsEpoch() throws Exception {
        assertThat(brokers.run("transactions", "abortable-error")).containsExactly(
                "beginTransaction",
                "delivered first to txn-small-records partition 0 offset 0",
                "large record error 10 fatal false abort false",
                "commitTransaction error 10 fatal false abort true",
                "abortTransaction",
                "beginTransaction",
                "second error -152 fatal false abort false",
                "commitTransaction error 45 fatal false abort true",
                "abortTransaction",
                "beginTransaction",
                "delivered third to txn-small-records partition 0 offset 3",
                "commitTransaction",
                "read_committed txn-small-records partition 0 offset 3 value 'third'",
                "read_uncommitted txn-small-records partition 0 offset 0 value 'first'",
                "read_uncommitted txn-small-records partition 0 offset 3 value 'third'");
    }

    /** Both brokers check for timed-out transactions every 10 s (Kafka's default), so this takes about that long. */
    @Test
    void transactionOpenPastItsTimeoutIsAbortedByTheCoordinator() throws Exception {
        assertThat(brokers.run("transactions", "timeout")).containsExactly(
                "beginTransaction",
                "delivered abandoned to txn-timeout partition 0 offset 0",
                "aborted by the coordinator",
                "commitTransaction error -144 fatal true",
                "read_uncommitted txn-timeout partition 0 offset 0 value 'abandoned'");
    }

    @Test
    void transactionTimeoutAboveTheBrokersMaximumIsRefused() throws Exception {
        assertThat(brokers.run("transactions", "timeout-too-long")).containsExactly(
                "initTransactions error 50 fatal true");
    }

    /**
     * The group's committed offset moves only when the transaction commits: an open transaction leaves the last
     * committed offset visible without require_stable and makes librdkafka's stable read wait (here: time out,
     * -185), and an abort leaves it unchanged, so the next member of the group processes in-2 and in-3 again.
     */
    @Test
    void consumeTransformProduceCommitsGroupOffsetsOnlyWithTheTransaction() throws Exception {
        assertThat(brokers.run("transactions", "consume-transform-produce")).containsExactly(
                "beginTransaction",
                "round 1 consumed 'in-0' offset 0",
                "delivered out-0 to ctp-out partition 0 offset 0",
                "round 1 consumed 'in-1' offset 1",
                "delivered out-1 to ctp-out partition 0 offset 1",
                "sendOffsetsToTransaction",
                "round 1 open: committed offset none stable error -185",
                "commitTransaction",
                "round 1 decided: committed offset 2",
                "beginTransaction",
                "round 2 consumed 'in-2' offset 2",
                "delivered out-2 to ctp-out partition 0 offset 3",
                "round 2 consumed 'in-3' offset 3",
                "delivered out-3 to ctp-out partition 0 offset 4",
                "sendOffsetsToTransaction",
                "round 2 open: committed offset 2 stable error -185",
                "abortTransaction",
                "round 2 decided: committed offset 2",
                "beginTransaction",
                "round 3 consumed 'in-2' offset 2",
                "delivered out-2 to ctp-out partition 0 offset 6",
                "round 3 consumed 'in-3' offset 3",
                "delivered out-3 to ctp-out partition 0 offset 7",
                "sendOffsetsToTransaction",
                "round 3 open: committed offset 2 stable error -185",
                "commitTransaction",
                "round 3 decided: committed offset 4",
                "beginTransaction",
                "round 4 consumed 'in-4' offset 4",
                "sendOffsetsToTransaction",
                "round 4 open: committed offset 4 stable error -185",
                "commitTransaction",
                "round 4 decided: committed offset 5",
                "read_committed ctp-out partition 0 offset 0 value 'out-0'",
                "read_committed ctp-out partition 0 offset 1 value 'out-1'",
                "read_committed ctp-out partition 0 offset 6 value 'out-2'",
                "read_committed ctp-out partition 0 offset 7 value 'out-3'",
                "read_uncommitted ctp-out partition 0 offset 0 value 'out-0'",
                "read_uncommitted ctp-out partition 0 offset 1 value 'out-1'",
                "read_uncommitted ctp-out partition 0 offset 3 value 'out-2'",
                "read_uncommitted ctp-out partition 0 offset 4 value 'out-3'",
                "read_uncommitted ctp-out partition 0 offset 6 value 'out-2'",
                "read_uncommitted ctp-out partition 0 offset 7 value 'out-3'");
    }

    /** A consumer without group membership (generation -1, no member id) may commit offsets in a transaction. */
    @Test
    void transactionCommitsTheOffsetsOfAConsumerThatAssignsItsPartitions() throws Exception {
        assertThat(brokers.run("transactions", "offsets-of-an-assigning-consumer")).containsExactly(
                "beginTransaction",
                "sendOffsetsToTransaction",
                "commitTransaction",
                "committed offset 7");
    }
}
