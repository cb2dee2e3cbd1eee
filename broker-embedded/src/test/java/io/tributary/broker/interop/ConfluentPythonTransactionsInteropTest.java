package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * confluent-kafka-python's transactional producer (Debian's python3-confluent-kafka 1.7.0 on librdkafka 2.0.2)
 * against the broker's transaction coordinator: {@code interop/python/transactions.py} commits c1 and c2, aborts
 * a1 and commits c3, and Java consumers read the result. librdkafka drives the transaction protocol itself
 * (FindCoordinator, InitProducerId, AddPartitionsToTxn, EndTxn, at the versions it negotiates), not kafka-clients.
 */
class ConfluentPythonTransactionsInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TOPIC = "python-txn";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    /** What the script prints: each step once it returned, each record once the broker acknowledged it. */
    private static final List<String> SCRIPT_OUTPUT = List.of(
            "init_transactions",
            "begin_transaction",
            "delivered c1 to partition 0 at offset %d",
            "delivered c2 to partition 0 at offset %d",
            "commit_transaction",
            "begin_transaction",
            "delivered a1 to partition 0 at offset %d",
            "abort_transaction",
            "begin_transaction",
            "delivered c3 to partition 0 at offset %d",
            "commit_transaction");

    @TempDir
    Path dataDir;

    private TestBroker broker;

    @BeforeAll
    static void installConfluentKafkaPython() throws Exception {
        InteropTools.install("python");
    }

    @BeforeEach
    void startBroker() throws Exception {
        broker = TestBroker.start(dataDir, TestBroker.FAST_TRANSACTIONS);
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, Map.of());
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    @Test
    void readCommittedSeesTheCommittedRecordsAndReadUncommittedTheAbortedOneToo() throws Exception {
        ExternalProcess.Result run = transactions("py-txn");

        // c1@0 c2@1 COMMIT@2 a1@3 ABORT@4 c3@5 COMMIT@6
        assertThat(run.stdoutLines()).as(run.describe()).containsExactlyElementsOf(expectedOutput(0, 1, 3, 5));
        assertThat(values(IsolationLevel.READ_COMMITTED)).containsExactly("0:c1", "1:c2", "5:c3");
        assertThat(values(IsolationLevel.READ_UNCOMMITTED)).containsExactly("0:c1", "1:c2", "3:a1", "5:c3");
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            TransactionDescription described = admin.describeTransactions(List.of("py-txn")).description("py-txn")
                    .get();
            assertThat(described.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
            assertThat(described.producerEpoch()).isZero();
            assertThat(described.topicPartitions()).isEmpty();
            // librdkafka's sequence numbers: 0, 1 in the first transaction, 2 in the aborted one, 3 in the last.
            ProducerState producer = admin.describeProducers(List.of(PARTITION)).partitionResult(PARTITION).get()
                    .activeProducers().get(0);
            assertThat(producer).isEqualTo(new ProducerState(described.producerId(), 0, 3, producer.lastTimestamp(),
                    OptionalInt.of(0), OptionalLong.empty()));
        }
    }

    @Test
    void aSecondRunOfTheTransactionalIdStartsAtTheNextEpochAndAddsItsOwnTransactions() throws Exception {
        ExternalProcess.Result first = transactions("py-rerun");
        assertThat(first.stdoutLines()).as(first.describe()).containsExactlyElementsOf(expectedOutput(0, 1, 3, 5));

        ExternalProcess.Result second = transactions("py-rerun");

        assertThat(second.stdoutLines()).as(second.describe())
                .containsExactlyElementsOf(expectedOutput(7, 8, 10, 12));
        assertThat(values(IsolationLevel.READ_COMMITTED)).containsExactly("0:c1", "1:c2", "5:c3", "7:c1", "8:c2", "12:c3");
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            TransactionDescription described = admin.describeTransactions(List.of("py-rerun"))
                    .description("py-rerun").get();
            assertThat(described.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
            assertThat(described.producerEpoch()).isEqualTo(1);
        }
    }

    private static List<String> expectedOutput(long c1, long c2, long a1, long c3) {
        long[] offsets = {c1, c2, a1, c3};
        var lines = new ArrayList<String>();
        int next = 0;
        for (String line : SCRIPT_OUTPUT) {
            lines.add(line.contains("%d") ? String.format(line, offsets[next++]) : line);
        }
        return lines;
    }

    /** Runs the script with Debian's python3, ignoring PYTHON* variables and user site-packages; it must exit 0. */
    private ExternalProcess.Result transactions(String transactionalId) throws Exception {
        ExternalProcess.Result result = ExternalProcess.run(List.of(InteropTools.python().toString(), "-E", "-s",
                InteropTools.pythonTransactionsScript().toString(), broker.bootstrapServers(), TOPIC,
                transactionalId), Map.of(), null, TIMEOUT);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        return result;
    }

    /** "offset:value" of every record a Java consumer at {@code isolation} reads up to its end offset. */
    private List<String> values(IsolationLevel isolation) {
        return Clients.readToEnd(broker.bootstrapServers(), PARTITION, isolation).stream()
                .map(record -> record.offset() + ":" + record.value()).toList();
    }
}
