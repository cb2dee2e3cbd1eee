package io.tributary.sample.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shop over HTTP: five orders each get exactly one invoice and one notification. The build runs this class
 * twice: on Tributary's embedded broker, and unchanged against Apache Kafka (the {@code portability-kafka} execution
 * sets {@code shop.test.cluster=kafka}; {@link TestClusterContextCustomizerFactory} then starts
 * spring-kafka-test's EmbeddedKafkaKraftBroker and points the app at it).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "tributary.broker.ephemeral=true", "shop.demo-order=false"})
class ShopEndToEndTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void everyOrderIsBilledOnceAndNotifiedOnce() throws Exception {
        assertRanOnTheExpectedCluster();
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            JsonNode order = post("/orders", "{\"customer\":\"customer-" + i + "\",\"amountCents\":" + (i * 1000) + "}");
            assertThat(order.get("status").asString()).isEqualTo("PLACED");
            ids.add(order.get("id").asString());
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode orders = get("/orders");
            assertThat(orders.size()).isEqualTo(5);
            for (JsonNode order : orders) {
                assertThat(order.get("status").asString()).as(order.toString()).isEqualTo("BILLED");
                assertThat(order.get("invoiceId").asString()).isEqualTo("inv-" + order.get("id").asString());
            }
            assertThat(get("/notifications").size()).isEqualTo(5);
        });
        List<String> notifications = new ArrayList<>();
        get("/notifications").forEach(node -> notifications.add(node.asString()));
        for (String id : ids) {
            assertThat(notifications).filteredOn(text -> text.contains("for order " + id + " ")).hasSize(1);
        }
        JsonNode health = get("/actuator/health");
        assertThat(health.get("status").asString()).isEqualTo("UP");
    }

    /** On the portability run, the cluster must be Apache Kafka's broker, not an embedded Tributary one. */
    private void assertRanOnTheExpectedCluster() throws Exception {
        String expected = TestClusterContextCustomizerFactory.kafkaBootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                String.join(",", connection.getBootstrapServers())))) {
            Node node = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).iterator().next();
            if (expected != null) {
                assertThat(node.host() + ":" + node.port()).isEqualTo(expected);
                assertThat(connection.getBootstrapServers()).containsExactly(expected);
            }
        }
    }

    private JsonNode post(String path, String json) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JsonMapper.shared().readTree(response.body());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return JsonMapper.shared().readTree(response.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
