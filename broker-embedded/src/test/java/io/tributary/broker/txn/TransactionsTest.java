package io.tributary.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions through the real Java producer and consumer: what read_committed and read_uncommitted consumers see
 * of committed, aborted, open, fenced and timed-out transactions, and that it all survives a broker restart.
 */
class TransactionsTest {
    private static final String TOPIC = "payments";

    @TempDir
    Path dataDir;

    private TestBroker broker;

    private void start(Map<String, String> overrides) throws Exception {
        var config = new HashMap<String, String>(TestBroker.FAST_TRANSACTIONS);
        config.putAll(overrides);
        broker = TestBroker.start(dataDir, config);
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 2, Map.of());
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private KafkaProducer<String, String> transactional(String transactionalId, Map<String, Object> overrides) {
        var props = new HashMap<String, Object>(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId));
        props.putAll(overrides);
        KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(), props);
        producer.initTransactions();
        return producer;
    }

    /** Every value of both partitions, partition 0 first, in offset order, read to the end. */
    private List<String> readAll(IsolationLevel isolation, int expected) {
        var values = new ArrayList<String>();
        var partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase()))) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var records = new ArrayList<ConsumerRecord<String, String>>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            // Nothing more arrives: the answer is exact, not just a prefix.
            consumer.poll(Duration.ofMillis(300)).forEach(records::add);
            records.stream().filter(r -> r.partition() == 0).forEach(r -> values.add(r.value()));
            records.stream().filter(r -> r.partition() == 1).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    private long endOffset(int partition, IsolationLevel isolation) throws Exception {
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            var tp = new TopicPartition(TOPIC, partition);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).all().get()
                    .get(tp).offset();
        }
    }

    @Test
    void readCommittedSeesOnlyCommittedTransactionsInOrder() throws Exception {
        start(Map.of());
        try (KafkaProducer<String, String> producer = transactional("payments-1", Map.of())) {
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "a1"));
            producer.send(new ProducerRecord<>(TOPIC, 1, "k", "a2"));
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "a3"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "b1"));
            producer.send(new ProducerRecord<>(TOPIC, 1, "k", "b2"));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 1, "k", "c1"));
            producer.commitTransaction();
        }
        assertThat(readAll(IsolationLevel.READ_COMMITTED, 4)).containsExactly("a1", "a3", "a2", "c1");
        assertThat(readAll(IsolationLevel.READ_UNCOMMITTED, 6))
                .containsExactly("a1", "a3", "b1", "a2", "b2", "c1");
        // Records plus one marker per transaction and partition: p0 a1 a3 C b1 A = 5, p1 a2 C b2 A c1 C = 6.
        assertThat(endOffset(0, IsolationLevel.READ_COMMITTED)).isEqualTo(5);
        assertThat(endOffset(1, IsolationLevel.READ_COMMITTED)).isEqualTo(6);
    }

    @Test
    void openTransactionHoldsBackTheLastStableOffsetUntilItCommits() throws Exception {
        start(Map.of());
        try (KafkaProducer<String, String> transactional = transactional("payments-open", Map.of());
             KafkaProducer<String, String> plain = Clients.producer(broker.bootstrapServers())) {
            plain.send(new ProducerRecord<>(TOPIC, 0, "k", "before")).get();
            transactional.beginTransaction();
            transactional.send(new ProducerRecord<>(TOPIC, 0, "k", "in-txn")).get();
            plain.send(new ProducerRecord<>(TOPIC, 0, "k", "after")).get();

            assertThat(endOffset(0, IsolationLevel.READ_UNCOMMITTED)).isEqualTo(3);
            assertThat(endOffset(0, IsolationLevel.READ_COMMITTED)).isEqualTo(1);
            assertThat(readAll(IsolationLevel.READ_COMMITTED, 1)).containsExactly("before");

            transactional.commitTransaction();
        }
        assertThat(endOffset(0, IsolationLevel.READ_COMMITTED)).isEqualTo(4);
        assertThat(readAll(IsolationLevel.READ_COMMITTED, 3)).containsExactly("before", "in-txn", "after");
    }

    @Test
    void zombieProducerIsFencedAndItsOpenTransactionAborted() throws Exception {
        start(Map.of());
        KafkaProducer<String, String> zombie = transactional("payments-fenced", Map.of());
        try {
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(TOPIC, 0, "k", "zombie")).get();
            try (KafkaProducer<String, String> successor = transactional("payments-fenced", Map.of())) {
                successor.beginTransaction();
                successor.send(new ProducerRecord<>(TOPIC, 0, "k", "successor"));
                successor.commitTransaction();
            }
            assertThatThrownBy(() -> {
                zombie.send(new ProducerRecord<>(TOPIC, 0, "k", "late")).get();
                zombie.commitTransaction();
            }).isInstanceOf(Exception.class);
        } finally {
            zombie.close(Duration.ZERO);
        }
        assertThat(readAll(IsolationLevel.READ_COMMITTED, 1)).containsExactly("successor");
        assertThat(readAll(IsolationLevel.READ_UNCOMMITTED, 2)).containsExactly("zombie", "successor");
    }

    @Test
    void abandonedTransactionIsAbortedAfterItsTimeout() throws Exception {
        start(Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "100"));
        KafkaProducer<String, String> abandoned = transactional("payments-abandoned",
                Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 1_000));
        try {
            abandoned.beginTransaction();
            abandoned.send(new ProducerRecord<>(TOPIC, 0, "k", "abandoned")).get();
            assertThat(endOffset(0, IsolationLevel.READ_COMMITTED)).isZero();

            await().atMost(Duration.ofSeconds(10)).until(() -> endOffset(0, IsolationLevel.READ_COMMITTED) == 2);
            assertThatThrownBy(abandoned::commitTransaction).isInstanceOf(KafkaException.class);
        } finally {
            abandoned.close(Duration.ZERO);
        }
        assertThat(readAll(IsolationLevel.READ_COMMITTED, 0)).isEmpty();
        try (KafkaProducer<String, String> next = transactional("payments-abandoned", Map.of())) {
            next.beginTransaction();
            next.send(new ProducerRecord<>(TOPIC, 0, "k", "next"));
            next.commitTransaction();
        }
        assertThat(readAll(IsolationLevel.READ_COMMITTED, 1)).containsExactly("next");
    }

    @Test
    void transactionsAndFencingSurviveABrokerRestart() throws Exception {
        start(Map.of());
        KafkaProducer<String, String> beforeRestart = transactional("payments-restart", Map.of());
        try {
            beforeRestart.beginTransaction();
            beforeRestart.send(new ProducerRecord<>(TOPIC, 0, "k", "committed"));
            beforeRestart.commitTransaction();
            beforeRestart.beginTransaction();
            beforeRestart.send(new ProducerRecord<>(TOPIC, 1, "k", "open")).get();
        } finally {
            beforeRestart.close(Duration.ZERO);
        }
        broker.restart();

        // The open transaction still holds partition 1 back after the restart ...
        assertThat(endOffset(1, IsolationLevel.READ_COMMITTED)).isZero();
        // ... until the next instance of the transactional id fences it, which aborts it.
        try (KafkaProducer<String, String> afterRestart = transactional("payments-restart", Map.of())) {
            afterRestart.beginTransaction();
            afterRestart.send(new ProducerRecord<>(TOPIC, 1, "k", "after"));
            afterRestart.commitTransaction();
        }
        assertThat(readAll(IsolationLevel.READ_COMMITTED, 2)).containsExactly("committed", "after");
        assertThat(readAll(IsolationLevel.READ_UNCOMMITTED, 3)).containsExactly("committed", "open", "after");
    }
}
