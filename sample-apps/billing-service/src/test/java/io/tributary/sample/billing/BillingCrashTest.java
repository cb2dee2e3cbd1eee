package io.tributary.sample.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.sample.billingservice.BillingServiceApplication;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once, by outcome, through a real crash: billing-service runs as its own JVM, is killed with SIGKILL
 * ({@code kill -9}) while it is billing (inside a transaction: each order's listener waits 20 ms after its send), and is
 * started again. A read_committed reader of {@code invoices} then finds exactly one invoice per order, checked
 * order by order: none lost, none twice. The service has no de-duplication of its own.
 */
class BillingCrashTest {
    private static final int ORDERS = 300;

    @TempDir
    Path dir;

    @Test
    void billingKilledMidTransactionAndRestartedIssuesEveryInvoiceExactlyOnce() throws Exception {
        var brokerProperties = new TributaryProperties.Broker();
        brokerProperties.setDataDir(dir.resolve("broker"));
        brokerProperties.setEphemeral(true);
        try (EmbeddedBroker broker = EmbeddedBroker.start(brokerProperties, "billing-crash-test")) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1), new NewTopic("invoices", 3, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            placeOrders(bootstrap);
            try (var invoices = new CommittedInvoices(bootstrap)) {
                Process first = startBilling(bootstrap, "first");
                try {
                    invoices.awaitAtLeast(60, first);
                    // A commit was just seen: 12 ms later the next transaction has sent its invoice and is in its
                    // 20 ms of work, so the kill cuts an open transaction with a record in the log.
                    Thread.sleep(12);
                } finally {
                    kill(first);
                }
                int beforeRestart = invoices.total();
                assertThat(beforeRestart).as("killed mid-stream").isLessThan(ORDERS);

                Process second = startBilling(bootstrap, "second");
                try {
                    invoices.awaitAtLeast(ORDERS, second);
                    invoices.drain();
                } finally {
                    kill(second);
                }
                Map<String, Integer> perOrder = invoices.countsPerOrder();
                for (int i = 0; i < ORDERS; i++) {
                    assertThat(perOrder.get(orderId(i))).as("invoices for %s", orderId(i)).isEqualTo(1);
                }
                assertThat(perOrder).hasSize(ORDERS);
                assertThat(invoices.total()).isEqualTo(ORDERS);
                // Records of the transaction the kill cut short stay in the log, aborted: a read_uncommitted
                // reader sees them (usually one), a read_committed one never does.
                System.out.println("invoices in the log, aborted ones included: " + countAll(bootstrap)
                        + " for " + ORDERS + " orders");
            }
        }
    }

    private static int countAll(String bootstrap) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition("invoices", 0),
                    new TopicPartition("invoices", 1), new TopicPartition("invoices", 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            int count = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))
                    && System.nanoTime() < deadline) {
                count += consumer.poll(Duration.ofMillis(200)).count();
            }
            return count;
        }
    }

    private static String orderId(int i) {
        return "o-" + i;
    }

    private static void placeOrders(String bootstrap) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < ORDERS; i++) {
                producer.send(new ProducerRecord<>("orders", orderId(i), "{\"orderId\":\"" + orderId(i)
                        + "\",\"customer\":\"c-" + i + "\",\"amountCents\":" + (100 + i) + "}"));
            }
            producer.flush();
        }
    }

    /** billing-service as its own process, on the test's classpath, pointed at the test's broker. */
    private Process startBilling(String bootstrap, String name) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                BillingServiceApplication.class.getName(), "--spring.kafka.bootstrap-servers=" + bootstrap,
                "--server.port=0", "--billing.processing-time=20ms", "--logging.level.org.apache.kafka=WARN",
                // A killed member is noticed after its session timeout: keep it short for the restart.
                "--spring.kafka.consumer.properties.session.timeout.ms=6000",
                "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000");
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("billing-" + name + ".log").toFile()).start();
    }

    private static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("billing-service died").isTrue();
    }

    /** A read_committed reader of every invoices partition from the start. */
    private final class CommittedInvoices implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final List<String> orderIds = new ArrayList<>();

        CommittedInvoices(String bootstrap) {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
            List<TopicPartition> partitions = List.of(new TopicPartition("invoices", 0),
                    new TopicPartition("invoices", 1), new TopicPartition("invoices", 2));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        void awaitAtLeast(int count, Process billing) throws IOException {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (orderIds.size() < count) {
                if (System.nanoTime() > deadline || !billing.isAlive()) {
                    throw new AssertionError("Got " + orderIds.size() + " of " + count + " invoices; billing "
                            + (billing.isAlive() ? "still running" : "exited") + ". Its log:\n" + logs());
                }
                poll();
            }
        }

        /** Reads until nothing more arrives for a second: a duplicate committed late would show up here. */
        void drain() {
            int idle = 0;
            while (idle < 5) {
                idle = poll() == 0 ? idle + 1 : 0;
            }
        }

        private int poll() {
            var records = consumer.poll(Duration.ofMillis(200));
            records.forEach(record -> orderIds.add(record.key()));
            return records.count();
        }

        int total() {
            return orderIds.size();
        }

        Map<String, Integer> countsPerOrder() {
            Map<String, Integer> counts = new LinkedHashMap<>();
            orderIds.forEach(id -> counts.merge(id, 1, Integer::sum));
            return counts;
        }

        private String logs() throws IOException {
            StringBuilder all = new StringBuilder();
            try (var files = Files.list(dir)) {
                for (Path log : files.filter(p -> p.toString().endsWith(".log")).toList()) {
                    String text = Files.readString(log, StandardCharsets.UTF_8);
                    all.append("== ").append(log.getFileName()).append('\n')
                            .append(text, Math.max(0, text.length() - 4000), text.length());
                }
            }
            return all.toString();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
