package io.tributary.broker.interop;

import static io.tributary.broker.interop.KafkaCli.TRANSACTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.internals.Topic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka 4.3.1's kafka-transactions ({@code TransactionsCommand}) against the broker's transaction coordinator
 * and partitions, on transactions of real Java producers: {@code list} (with its duration and id-pattern filters),
 * {@code describe}, {@code describe-producers}, and the operator's way out of a hanging transaction,
 * {@code find-hanging} then {@code abort} (by start offset, and by producer id and epoch as for brokers before 3.0).
 * The tool prints tab-separated tables padded to the longest value; cells are compared trimmed.
 */
class TransactionsCliInteropTest {
    private static final String TOPIC = "cli-txn";
    private static final int BROKER_ID = 1;
    private static final String DEFAULT_TIMEOUT_MS = "60000";
    private static final List<String> LIST_HEADER =
            List.of("TransactionalId", "Coordinator", "ProducerId", "TransactionState");
    private static final List<String> DESCRIBE_HEADER = List.of("CoordinatorId", "TransactionalId", "ProducerId",
            "ProducerEpoch", "TransactionState", "TransactionTimeoutMs", "CurrentTransactionStartTimeMs",
            "TransactionDurationMs", "TopicPartitions");
    private static final List<String> PRODUCERS_HEADER = List.of("ProducerId", "ProducerEpoch",
            "LatestCoordinatorEpoch", "LastSequence", "LastTimestamp", "CurrentTransactionStartOffset");
    private static final List<String> HANGING_HEADER = List.of("Topic", "Partition", "ProducerId", "ProducerEpoch",
            "CoordinatorEpoch", "StartOffset", "LastTimestamp", "Duration(min)");

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private final List<KafkaProducer<String, String>> producers = new ArrayList<>();

    @BeforeAll
    static void installKafkaCli() throws Exception {
        InteropTools.install("kafka-cli");
    }

    @AfterEach
    void stop() {
        producers.forEach(producer -> producer.close(Duration.ZERO));
        if (broker != null) {
            broker.close();
        }
    }

    private void startBroker() {
        broker = TestBroker.start(dataDir, TestBroker.FAST_TRANSACTIONS);
    }

    private String bootstrap() {
        return broker.bootstrapServers();
    }

    @Test
    void listAndDescribeShowTheTransactionsOfJavaProducers() throws Exception {
        startBroker();
        Clients.createTopic(bootstrap(), TOPIC, 2, Map.of());
        KafkaProducer<String, String> open = transactional("cli-open");
        open.beginTransaction();
        send(open, 0, System.currentTimeMillis(), "open-0");
        send(open, 1, System.currentTimeMillis(), "open-1");
        KafkaProducer<String, String> done = transactional("cli-done");
        done.beginTransaction();
        send(done, 1, System.currentTimeMillis(), "done");
        done.commitTransaction();
        TransactionDescription openDescribed = describe("cli-open");
        String openProducerId = String.valueOf(openDescribed.producerId());
        String doneProducerId = String.valueOf(describe("cli-done").producerId());
        String coordinator = String.valueOf(BROKER_ID);

        assertThat(table("list")).isEqualTo(new Table(LIST_HEADER, List.of(
                List.of("cli-open", coordinator, openProducerId, "Ongoing"),
                List.of("cli-done", coordinator, doneProducerId, "CompleteCommit"))));
        // Both transactions started less than an hour ago (the committed one is listed by its start, as Kafka does).
        assertThat(table("list", "--duration-filter", "0")).isEqualTo(table("list"));
        assertThat(table("list", "--duration-filter", "3600000")).isEqualTo(new Table(LIST_HEADER, List.of()));
        assertThat(table("list", "--transactional-id-pattern", "cli-d.*")).isEqualTo(new Table(LIST_HEADER,
                List.of(List.of("cli-done", coordinator, doneProducerId, "CompleteCommit"))));

        Table described = table("describe", "--transactional-id", "cli-open");
        assertThat(described.header()).isEqualTo(DESCRIBE_HEADER);
        assertThat(described.rows()).hasSize(1);
        Map<String, String> row = described.row(0);
        String startMs = String.valueOf(openDescribed.transactionStartTimeMs().orElseThrow());
        assertThat(row).containsEntry("CoordinatorId", coordinator).containsEntry("TransactionalId", "cli-open")
                .containsEntry("ProducerId", openProducerId).containsEntry("ProducerEpoch", "0")
                .containsEntry("TransactionState", "Ongoing").containsEntry("TransactionTimeoutMs", DEFAULT_TIMEOUT_MS)
                .containsEntry("CurrentTransactionStartTimeMs", startMs);
        assertThat(Long.parseLong(row.get("TransactionDurationMs"))).isNotNegative();
        assertThat(row.get("TopicPartitions").split(",")).containsExactlyInAnyOrder(TOPIC + "-0", TOPIC + "-1");

        // A completed transaction has no partitions left to write markers to; its start time stays.
        Map<String, String> completed = table("describe", "--transactional-id", "cli-done").row(0);
        assertThat(completed).containsEntry("ProducerId", doneProducerId)
                .containsEntry("TransactionState", "CompleteCommit").containsEntry("TopicPartitions", "");

        ExternalProcess.Result unknown = transactionsResult("describe", "--transactional-id", "cli-unknown");
        assertThat(unknown.exitCode()).as(unknown.describe()).isEqualTo(1);
        assertThat(unknown.stdout()).isEmpty();
        assertThat(unknown.stderrLines()).as(unknown.describe()).containsExactly("Failed to describe transaction "
                + "state of transactional-id `cli-unknown`: DescribeTransactions request for transactionalId "
                + "`cli-unknown` failed because the ID could not be found. Enable debug logging for additional detail.");
    }

    @Test
    void describeProducersShowsTheProducerAndWhereItsOpenTransactionStarted() throws Exception {
        startBroker();
        Clients.createTopic(bootstrap(), TOPIC, 1, Map.of());
        long timestamp = System.currentTimeMillis() - 5_000;
        try (KafkaProducer<String, String> plain = Clients.producer(bootstrap(),
                Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1"))) {
            send(plain, 0, timestamp, "plain");
        }
        KafkaProducer<String, String> producer = transactional("cli-producers");
        String producerId = String.valueOf(describe("cli-producers").producerId());
        producer.beginTransaction();
        assertThat(send(producer, 0, timestamp + 1, "t1")).isEqualTo(1);
        send(producer, 0, timestamp + 2, "t2");

        // Sequences 0 and 1; no marker has reached the partition yet, so no coordinator epoch (-1).
        assertThat(table("describe-producers", "--topic", TOPIC, "--partition", "0")).isEqualTo(new Table(
                PRODUCERS_HEADER, List.of(List.of(producerId, "0", "-1", "1", String.valueOf(timestamp + 2), "1"))));

        producer.commitTransaction();
        Table committed = table("describe-producers", "--topic", TOPIC, "--partition", "0");
        assertThat(committed.rows()).hasSize(1);
        // The COMMIT marker carries the coordinator epoch and the broker's clock as its timestamp.
        assertThat(committed.row(0)).containsEntry("ProducerId", producerId).containsEntry("ProducerEpoch", "0")
                .containsEntry("LatestCoordinatorEpoch", "0").containsEntry("LastSequence", "1")
                .containsEntry("CurrentTransactionStartOffset", "None");
        assertThat(Long.parseLong(committed.row(0).get("LastTimestamp"))).isGreaterThan(timestamp + 2);
    }

    /**
     * A hanging transaction: records of an open transaction in a partition whose transaction coordinator no longer
     * knows it, so no marker will ever close it and the partition's last stable offset is stuck. Kafka got those
     * from late writes (what KIP-890 now refuses); here the coordinator loses its {@code __transaction_state} while
     * the broker is down. find-hanging finds the transaction from the partition side (DescribeProducers, then
     * ListTransactions by producer id and DescribeTransactions) and abort writes the ABORT marker (WriteTxnMarkers).
     */
    @Test
    void findHangingReportsATransactionItsCoordinatorForgotAndAbortClosesIt() throws Exception {
        startBroker();
        Clients.createTopic(bootstrap(), TOPIC, 3, Map.of());
        // Older than find-hanging's default --max-transaction-timeout of 15 minutes; it reports 20 whole minutes
        // as long as the test takes less than 59 s to get there.
        long oldTimestamp = System.currentTimeMillis() - Duration.ofMinutes(20).plusSeconds(1).toMillis();
        KafkaProducer<String, String> forgotten = transactional("cli-forgotten");
        String forgottenId = String.valueOf(describe("cli-forgotten").producerId());
        forgotten.beginTransaction();
        send(forgotten, 0, oldTimestamp, "forgotten-0");
        send(forgotten, 1, oldTimestamp, "forgotten-1");
        forgotten.close(Duration.ZERO);
        broker.close();
        deleteTransactionState();
        startBroker();

        // A transaction its coordinator knows, as old: a candidate that find-hanging must rule out.
        KafkaProducer<String, String> healthy = transactional("cli-healthy");
        healthy.beginTransaction();
        send(healthy, 2, oldTimestamp, "healthy");
        assertThat(lastStableOffsets()).containsExactly(0L, 0L, 0L);

        assertThat(table("find-hanging", "--topic", TOPIC)).isEqualTo(new Table(HANGING_HEADER, List.of(
                List.of(TOPIC, "0", forgottenId, "0", "-1", "0", String.valueOf(oldTimestamp), "20"),
                List.of(TOPIC, "1", forgottenId, "0", "-1", "0", String.valueOf(oldTimestamp), "20"))));
        assertThat(table("find-hanging", "--topic", TOPIC, "--partition", "2"))
                .isEqualTo(new Table(HANGING_HEADER, List.of()));

        // Brokers from 3.0: the transaction starting at that offset (its producer from DescribeProducers).
        assertThat(transactions("abort", "--topic", TOPIC, "--partition", "0", "--start-offset", "0")).isEmpty();
        // Brokers before 3.0: producer id, epoch and coordinator epoch (-1, as described, is sent as 0).
        assertThat(transactions("abort", "--topic", TOPIC, "--partition", "1", "--producer-id", forgottenId,
                "--producer-epoch", "0", "--coordinator-epoch", "-1")).isEmpty();

        // Record and ABORT marker in partitions 0 and 1; partition 2 still waits for its transaction.
        assertThat(lastStableOffsets()).containsExactly(2L, 2L, 0L);
        assertThat(table("find-hanging", "--topic", TOPIC)).isEqualTo(new Table(HANGING_HEADER, List.of()));
        assertThat(table("describe-producers", "--topic", TOPIC, "--partition", "0").row(0))
                .containsEntry("ProducerId", forgottenId).containsEntry("LatestCoordinatorEpoch", "0")
                .containsEntry("CurrentTransactionStartOffset", "None");

        healthy.commitTransaction();
        assertThat(lastStableOffsets()).containsExactly(2L, 2L, 2L);
        assertThat(committedValues()).containsExactly("healthy");
    }

    /**
     * KIP-939's forceTerminateTransaction: InitProducerId for the transactional id, as a new instance of the
     * producer would send it, so the coordinator aborts the open transaction at a bumped epoch and fences the
     * producer that owned it.
     */
    @Test
    void forceTerminateTransactionAbortsTheOpenTransactionAndFencesItsProducer() throws Exception {
        startBroker();
        Clients.createTopic(bootstrap(), TOPIC, 1, Map.of());
        KafkaProducer<String, String> producer = transactional("cli-terminate");
        String producerId = String.valueOf(describe("cli-terminate").producerId());
        producer.beginTransaction();
        send(producer, 0, System.currentTimeMillis(), "terminated");
        assertThat(lastStableOffsets()).containsExactly(0L);

        List<String> output = transactions("forceTerminateTransaction", "--transactionalId", "cli-terminate");

        assertThat(output).isEmpty();
        // The abort used epoch 1; the fencing InitProducerId that followed it took epoch 2.
        assertThat(table("describe", "--transactional-id", "cli-terminate").row(0))
                .containsEntry("ProducerId", producerId).containsEntry("ProducerEpoch", "2")
                .containsEntry("TransactionState", "Empty").containsEntry("TopicPartitions", "");
        assertThat(lastStableOffsets()).containsExactly(2L);
        assertThat(committedValues()).isEmpty();
        assertThatThrownBy(producer::commitTransaction).isInstanceOf(ProducerFencedException.class);
    }

    private KafkaProducer<String, String> transactional(String transactionalId) {
        KafkaProducer<String, String> producer = Clients.producer(bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId));
        producers.add(producer);
        producer.initTransactions();
        return producer;
    }

    private static long send(KafkaProducer<String, String> producer, int partition, long timestamp, String value)
            throws Exception {
        return producer.send(new ProducerRecord<>(TOPIC, partition, timestamp, "k", value)).get().offset();
    }

    private TransactionDescription describe(String transactionalId) throws Exception {
        try (Admin admin = Clients.admin(bootstrap())) {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
        }
    }

    /** The last stable offset of each partition of the topic, partition 0 first. */
    private List<Long> lastStableOffsets() {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(info -> new TopicPartition(TOPIC, info.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            return partitions.stream().map(ends::get).toList();
        }
    }

    /** Every value a read_committed consumer reads from the topic, partition by partition, in offset order. */
    private List<String> committedValues() {
        var values = new ArrayList<String>();
        int partitions = lastStableOffsets().size();
        for (int partition = 0; partition < partitions; partition++) {
            Clients.readToEnd(bootstrap(), new TopicPartition(TOPIC, partition), IsolationLevel.READ_COMMITTED)
                    .forEach(record -> values.add(record.value()));
        }
        return values;
    }

    /** Removes the coordinator's log while the broker is down: every transaction it knew is forgotten. */
    private void deleteTransactionState() throws IOException {
        try (Stream<Path> dirs = Files.list(dataDir)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString()
                    .startsWith(Topic.TRANSACTION_STATE_TOPIC_NAME + "-")).toList()) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(file);
                    }
                }
            }
        }
    }

    /** A table the tool printed: its header and rows, each cell trimmed of the padding. */
    record Table(List<String> header, List<List<String>> rows) {
        static Table parse(List<String> lines) {
            List<List<String>> cells = lines.stream().filter(line -> !line.isBlank()).map(Table::cells).toList();
            assertThat(cells).as(String.join("\n", lines)).isNotEmpty();
            return new Table(cells.get(0), cells.subList(1, cells.size()));
        }

        /** Each cell is padded to its column's width and followed by a tab, the last one included. */
        private static List<String> cells(String line) {
            String[] cells = line.split("\t", -1);
            return Arrays.stream(cells, 0, cells.length - 1).map(String::trim).toList();
        }

        Map<String, String> row(int index) {
            var row = new HashMap<String, String>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), rows.get(index).get(i));
            }
            return row;
        }

        /** Rows in any order: the tool prints them as it iterates hash maps. */
        @Override
        public boolean equals(Object other) {
            return other instanceof Table table && header.equals(table.header)
                    && rows.size() == table.rows.size() && Set.copyOf(rows).equals(Set.copyOf(table.rows));
        }

        @Override
        public int hashCode() {
            return header.hashCode();
        }
    }

    private Table table(String... args) throws Exception {
        return Table.parse(transactions(args));
    }

    /** Runs kafka-transactions against the broker; it must exit 0. Returns its stdout lines. */
    private List<String> transactions(String... args) throws Exception {
        ExternalProcess.Result result = transactionsResult(args);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        return result.stdoutLines();
    }

    private ExternalProcess.Result transactionsResult(String... args) throws Exception {
        var all = new ArrayList<>(List.of("--bootstrap-server", bootstrap()));
        all.addAll(List.of(args));
        return KafkaCli.result(TRANSACTIONS, all.toArray(String[]::new));
    }
}
