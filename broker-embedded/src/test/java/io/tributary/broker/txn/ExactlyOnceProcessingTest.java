package io.tributary.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.server.FreePorts;
import io.tributary.broker.testing.BrokerProcess;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.ProcessedOrders;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.TransformProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consume-transform-produce loop of KIP-98 with offsets committed inside each transaction, killed with
 * SIGKILL mid-stream: first the application, then the broker. Either way the output a read_committed consumer
 * sees holds every input record transformed exactly once, in input order per partition, checked record by record.
 */
class ExactlyOnceProcessingTest {
    private static final String IN = "orders";
    private static final String OUT = "invoices";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 6_000;

    @TempDir
    Path tempDir;

    private static Map<String, String> brokerConfig(int port) {
        var config = new HashMap<>(TestBroker.FAST_TRANSACTIONS);
        if (port > 0) {
            config.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        }
        return config;
    }

    /** Writes the input: record i goes to partition i % 3 with key "k-i" and value "order-i". */
    private static void writeInput(String bootstrap) throws Exception {
        Clients.createTopic(bootstrap, IN, PARTITIONS, Map.of());
        Clients.createTopic(bootstrap, OUT, PARTITIONS, Map.of());
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(IN, i % PARTITIONS, "k-" + i, "order-" + i));
            }
            producer.flush();
        }
    }

    @Test
    void applicationKilledMidStreamAndRestartedYieldsEveryRecordExactlyOnce() throws Exception {
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), brokerConfig(0))) {
            String bootstrap = broker.bootstrapServers();
            writeInput(bootstrap);
            try (TransformProcess first = TransformProcess.start(tempDir, bootstrap, "billing", "billing-0", IN,
                    OUT)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> first.committedTransactions() >= 30);
                assertThat(first.kill()).isEqualTo(137);
                assertThat(first.committedTransactions()).isLessThan(RECORDS / 20);
            }
            try (TransformProcess second = TransformProcess.start(tempDir, bootstrap, "billing", "billing-0", IN,
                    OUT)) {
                assertThat(ProcessedOrders.readCommitted(bootstrap, OUT, PARTITIONS, RECORDS))
                        .isEqualTo(ProcessedOrders.expected(RECORDS, PARTITIONS));
            }
        }
    }

    @Test
    void brokerKilledMidStreamAndRestartedYieldsEveryRecordExactlyOnce() throws Exception {
        int port = FreePorts.next();
        Path logDir = tempDir.resolve("broker");
        BrokerProcess broker = BrokerProcess.start(logDir, brokerConfig(port));
        writeInput(broker.bootstrapServers());
        try (TransformProcess app = TransformProcess.start(tempDir, broker.bootstrapServers(), "billing",
                "billing-0", IN, OUT)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.committedTransactions() >= 30);
            assertThat(broker.kill()).isEqualTo(137);
            long committedBeforeCrash = app.committedTransactions();
            assertThat(committedBeforeCrash).isLessThan(RECORDS / 20);

            broker = BrokerProcess.start(logDir, brokerConfig(port));
            assertThat(ProcessedOrders.readCommitted(broker.bootstrapServers(), OUT, PARTITIONS, RECORDS)).isEqualTo(ProcessedOrders.expected(RECORDS, PARTITIONS));
            assertThat(app.committedTransactions()).isGreaterThan(committedBeforeCrash);
        } finally {
            broker.close();
        }
    }
}
