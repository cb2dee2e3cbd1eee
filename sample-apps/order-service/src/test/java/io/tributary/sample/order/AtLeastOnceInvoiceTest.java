package io.tributary.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.sample.events.InvoiceIssued;
import io.tributary.sample.orderservice.OrderServiceApplication;
import io.tributary.spring.EventTemplate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * At least once, by outcome: an invoice the listener cannot handle is delivered again (three deliveries in all)
 * and then lands on {@code invoices.DLT} with the failure in its headers; a good invoice after it is handled.
 */
@SpringBootTest(classes = OrderServiceApplication.class, properties = {"tributary.broker.ephemeral=true",
        "server.port=0", "tributary.listener.max-attempts=3", "tributary.listener.backoff=20ms"})
class AtLeastOnceInvoiceTest {

    @Autowired
    Orders orders;

    @Autowired
    EventTemplate events;

    @Autowired
    MeterRegistry meters;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void unknownOrderIsRetriedThenDeadLettered() throws Exception {
        Orders.Order known = orders.place("ada", 500);
        events.publish("o-missing", new InvoiceIssued("inv-x", "o-missing", "nobody", 1)).get();
        events.publish(known.id(), new InvoiceIssued("inv-" + known.id(), known.id(), "ada", 500)).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> "BILLED".equals(orders.find(known.id()).orElseThrow()
                .status()));
        List<ConsumerRecord<String, String>> deadLetters = read("invoices.DLT", 1);
        assertThat(deadLetters).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo("o-missing");
            assertThat(record.value()).contains("\"invoiceId\":\"inv-x\"");
            assertThat(new String(record.headers().lastHeader("kafka_dlt-exception-message").value(),
                    StandardCharsets.UTF_8)).contains("unknown order o-missing");
        });
        assertThat(meters.get("tributary.listener.failures").tags("topic", "invoices", "group", "order-service")
                .counter().count()).as("deliveries that failed").isEqualTo(3);
        assertThat(meters.get("tributary.listener.dead.letters").tags("topic", "invoices").counter().count())
                .isEqualTo(1);
    }

    private List<ConsumerRecord<String, String>> read(String topic, int count) {
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", connection.getBootstrapServers()),
                ConsumerConfig.GROUP_ID_CONFIG, "dlt-check", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
