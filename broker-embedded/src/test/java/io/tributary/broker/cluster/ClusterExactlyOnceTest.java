package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.ProcessedOrders;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.TransformProcess;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once processing on a three-node cluster across the loss of the transaction coordinator: a
 * consume-transform-produce application (its own JVM, {@link TransformProcess}) reads {@code in} in a group and
 * writes {@code out} in transactions while the node leading its transactional id's partition of
 * {@code __transaction_state} is killed, and later the one leading its group's partition of
 * {@code __consumer_offsets}. A new coordinator loads the replicated state and the output holds every input record
 * exactly once, in order per partition.
 */
class ClusterExactlyOnceTest {
    private static final String IN = "orders";
    private static final String OUT = "invoices";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 6_000;
    private static final String GROUP = "billing";
    private static final String TRANSACTIONAL_ID = "billing-0";

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    private LocalCluster cluster;

    @Test
    void theOutputHoldsEveryRecordOnceWhileTheCoordinatorsLeadersAreKilled() throws Exception {
        var overrides = new HashMap<>(TestBroker.FAST_TRANSACTIONS);
        overrides.put("offsets.topic.num.partitions", "3");
        // Replicated like everything else here (the single-node settings keep one copy).
        overrides.put("offsets.topic.replication.factor", "3");
        overrides.put("transaction.state.log.replication.factor", "3");
        cluster = clusters.start(3, overrides);
        String bootstrap = cluster.bootstrapServers();
        try (Admin admin = Clients.admin(bootstrap)) {
            Map<String, String> configs = Map.of("min.insync.replicas", "2");
            admin.createTopics(List.of(new NewTopic(IN, PARTITIONS, (short) 3).configs(configs),
                    new NewTopic(OUT, PARTITIONS, (short) 3).configs(configs))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG,
                "all"))) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(IN, i % PARTITIONS, "k-" + i, "order-" + i));
            }
            producer.flush();
        }

        try (TransformProcess app = TransformProcess.start(clusters.root(), bootstrap, GROUP, TRANSACTIONAL_ID, IN, OUT)) {
            awaitCommitted(app, 10);
            int transactionCoordinator = cluster.leaderOf(Topic.TRANSACTION_STATE_TOPIC_NAME,
                    Utils.abs(TRANSACTIONAL_ID.hashCode()) % 3);
            cluster.kill(transactionCoordinator);
            long before = app.committedTransactions();
            awaitCommitted(app, before + 10);
            cluster.restart(transactionCoordinator);
            cluster.awaitLeadersAndFullIsr(Duration.ofSeconds(60));

            int groupCoordinator = cluster.leaderOf(Topic.GROUP_METADATA_TOPIC_NAME, Utils.abs(GROUP.hashCode()) % 3);
            cluster.kill(groupCoordinator);
            long beforeSecond = app.committedTransactions();
            awaitCommitted(app, beforeSecond + 10);
            cluster.restart(groupCoordinator);

            assertThat(ProcessedOrders.readCommitted(bootstrap, OUT, PARTITIONS, RECORDS))

                    .isEqualTo(ProcessedOrders.expected(RECORDS, PARTITIONS));
        }
    }

    /** Waits for {@code transactions} committed transactions, or for all input processed (then there are no more). */
    private static void awaitCommitted(TransformProcess app, long transactions) {
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.committedTransactions() >= transactions
                    || app.committedRecords() >= RECORDS);
        } catch (RuntimeException e) {
            throw new AssertionError("The application committed " + app.committedTransactions() + " of "
                    + transactions + " transactions; its output:\n" + app.output(), e);
        }
    }
}
