package io.tributary.sample.billing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.sample.billingservice.BillingServiceApplication;
import io.tributary.sample.notificationservice.NotificationServiceApplication;
import io.tributary.sample.order.Orders;
import io.tributary.sample.orderservice.OrderServiceApplication;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * Exactly once, by outcome, through a real crash: billing-service runs as its own JVM, is killed with SIGKILL
 * ({@code kill -9}) while it is billing (inside a transaction: each order's listener waits 20 ms after its send), and is
 * started again. A read_committed reader of {@code invoices} then finds exactly one invoice per order, checked
 * order by order: none lost, none twice. The service has no de-duplication of its own.
 *
 * <p>The orders come from order-service and the invoices go on to order-service (at-least-once) and
 * notification-service (at-most-once), both running in this JVM with their defaults. The transaction the kill cut
 * short leaves an aborted invoice in the log; neither service may see it: each handles exactly one invoice per
 * order, so no customer is notified twice and no order is billed from an invoice that was rolled back.
 */
class BillingCrashTest {
    private static final int ORDERS = 300;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

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
            try (ConfigurableApplicationContext orderService = startInProcess(OrderServiceApplication.class, bootstrap);
                 ConfigurableApplicationContext notificationService =
                         startInProcess(NotificationServiceApplication.class, bootstrap)) {
                List<String> orderIds = placeOrders(orderService);
                try (var invoices = new CommittedInvoices(bootstrap)) {
                    Process first = startBilling(bootstrap, "first");
                    try {
                        invoices.awaitAtLeast(60, first);
                        // A commit was just seen: 12 ms later the next transaction has sent its invoice and is in
                        // its 20 ms of work, so the kill cuts an open transaction with a record in the log.
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
                    for (String orderId : orderIds) {
                        assertThat(perOrder.get(orderId)).as("invoices for %s", orderId).isEqualTo(1);
                    }
                    assertThat(perOrder).hasSize(ORDERS);
                    assertThat(invoices.total()).isEqualTo(ORDERS);
                }
                // The kill left the records of the transaction it cut short in the log, aborted: a read_uncommitted
                // reader sees them, so the downstream checks below really face an aborted invoice.
                assertThat(countAll(bootstrap)).as("invoices in the log, aborted ones included").isGreaterThan(ORDERS);
                assertDownstreamSawOnlyCommittedInvoices(orderService, notificationService, orderIds);
            }
        }
    }

    /**
     * Each service handles every committed invoice once and the aborted one never. Within a partition an aborted
     * invoice precedes the committed one of the same order, so once every order is billed, an aborted invoice a
     * service could see has already been counted.
     */
    private static void assertDownstreamSawOnlyCommittedInvoices(ConfigurableApplicationContext orderService,
                                                                 ConfigurableApplicationContext notificationService,
                                                                 List<String> orderIds) {
        Orders orders = orderService.getBean(Orders.class);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (String orderId : orderIds) {
                assertThat(orders.find(orderId)).as(orderId).hasValueSatisfying(order -> {
                    assertThat(order.status()).isEqualTo("BILLED");
                    assertThat(order.invoiceId()).isEqualTo("inv-" + orderId);
                });
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> handled(notificationService, "notification-service") >= ORDERS);
        // Held for two seconds: one more handled invoice (an aborted one) fails the test.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(handled(orderService, "order-service")).as("invoices order-service handled").isEqualTo(ORDERS);
            assertThat(handled(notificationService, "notification-service")).as("customers notified")
                    .isEqualTo(ORDERS);
        });
    }

    /** Invoices the group's listener handled, from Tributary's listener meter. */
    private static long handled(ConfigurableApplicationContext context, String group) {
        Timer timer = context.getBean(MeterRegistry.class).find("tributary.listener.processing")
                .tags("topic", "invoices", "group", group).timer();
        return timer == null ? 0 : timer.count();
    }

    private static ConfigurableApplicationContext startInProcess(Class<?> application, String bootstrap) {
        return new SpringApplicationBuilder(application).run("--spring.kafka.bootstrap-servers=" + bootstrap,
                "--server.port=0", "--logging.level.org.apache.kafka=WARN");
    }

    /** Orders placed through order-service's HTTP API, so that it knows them when their invoices come. */
    private List<String> placeOrders(ConfigurableApplicationContext orderService) throws Exception {
        String port = orderService.getEnvironment().getRequiredProperty("local.server.port");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ORDERS; i++) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/orders")).header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"customer\":\"c-" + i + "\",\"amountCents\":"
                            + (100 + i) + "}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            ids.add(JsonMapper.shared().readTree(response.body()).get("id").asString());
        }
        return ids;
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

    /** billing-service as its own process, on the test's classpath, pointed at the test's broker. */
    private Process startBilling(String bootstrap, String name) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                BillingServiceApplication.class.getName(), "--spring.kafka.bootstrap-servers=" + bootstrap,
                "--server.port=0", "--billing.processing-time=20ms", "--logging.level.org.apache.kafka=WARN",
                // Its instance-id slot (so the restart takes over the first run's transactional ids) in the test's
                // folder rather than under the user's home.
                "--tributary.broker.data-dir=" + dir.resolve("billing"),
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
