package io.tributary.spring.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.listener.DeliveryRuntimes;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * publishEvent in an application with a DataSource (H2) and an exactly-once listener: the event is written to the
 * outbox table in the JDBC transaction, sent only if it commits, exactly once, and its row completed; inside the
 * exactly-once listener it joins the listener's Kafka transaction instead, without a row.
 */
@SpringBootTest(classes = JdbcOutboxTest.App.class, properties = {
        "spring.application.name=jdbc-outbox-test", "tributary.broker.ephemeral=true"})
class JdbcOutboxTest {

    @Topic(name = "outbox-refunds")
    record Refunded(String id) {
    }

    @Topic(name = "outbox-shipments")
    record Shipped(String id) {
    }

    @Topic(name = "outbox-pings")
    record Ping(String id) {
    }

    @Topic(name = "outbox-pongs")
    record Pong(String id) {
    }

    @SpringBootApplication
    static class App {
        @Autowired
        ApplicationEventPublisher publisher;

        /** Makes the exactly-once runtime exist, which made EventTemplate see any Spring transaction as Kafka's. */
        @TopicListener(delivery = DeliverySemantics.EXACTLY_ONCE)
        void onPing(Ping ping) {
            publisher.publishEvent(new Pong(ping.id()));
        }
    }

    @Autowired
    ApplicationEventPublisher publisher;

    @Autowired
    EventTemplate events;

    @Autowired
    DeliveryRuntimes runtimes;

    @Autowired
    DataSource dataSource;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void rolledBackTransactionSendsNothingAndKeepsNoRow() {
        assertThat(runtimes.existing(DeliverySemantics.EXACTLY_ONCE)).as("exactly-once clients in use").isNotNull();

        transactions().executeWithoutResult(status -> {
            assertThat(events.inTransaction()).as("a JDBC transaction is not a Kafka one").isFalse();
            publisher.publishEvent(new Refunded("rolled-back"));
            status.setRollbackOnly();
        });
        publisher.publishEvent(new Refunded("marker"));

        List<ConsumerRecord<String, String>> read = TopicReader.readUntil(bootstrap(), "outbox-refunds",
                value -> value.contains("marker"));
        assertThat(read).extracting(ConsumerRecord::value).containsExactly("{\"id\":\"marker\"}");
        assertThat(rows("%rolled-back%", Refunded.class)).isZero();
    }

    @Test
    void committedTransactionSendsOnceAndCompletesTheRow() {
        transactions().executeWithoutResult(status -> publisher.publishEvent(new Shipped("committed")));

        await().atMost(Duration.ofSeconds(20)).until(() -> completedRows("%committed%") == 1);
        publisher.publishEvent(new Shipped("marker"));
        List<ConsumerRecord<String, String>> read = TopicReader.readUntil(bootstrap(), "outbox-shipments",
                value -> value.contains("marker"));

        assertThat(read).extracting(ConsumerRecord::value)
                .containsExactly("{\"id\":\"committed\"}", "{\"id\":\"marker\"}");
        assertThat(rows("%committed%", Shipped.class)).isEqualTo(1);
        assertThat(new JdbcTemplate(dataSource).queryForObject("SELECT attempts FROM tributary_event_publication"
                + " WHERE serialized_event LIKE '%committed%'", Integer.class)).isZero();
    }

    @Test
    void insideAnExactlyOnceListenerTheEventJoinsItsKafkaTransactionWithoutARow() throws Exception {
        events.publish("in-listener", new Ping("in-listener")).get();

        List<ConsumerRecord<String, String>> read = TopicReader.readUntil(bootstrap(), "outbox-pongs",
                value -> value.contains("in-listener"));

        assertThat(read).extracting(ConsumerRecord::value).filteredOn(value -> value.contains("in-listener"))
                .containsExactly("{\"id\":\"in-listener\"}");
        assertThat(rows("%in-listener%", Pong.class)).isZero();
    }

    private TransactionTemplate transactions() {
        return new TransactionTemplate(new JdbcTransactionManager(dataSource));
    }

    private int rows(String eventLike, Class<?> type) {
        return new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM tributary_event_publication"
                + " WHERE event_type = ? AND serialized_event LIKE ?", Integer.class, type.getName(), eventLike);
    }

    private int completedRows(String eventLike) {
        return new JdbcTemplate(dataSource).queryForObject("SELECT COUNT(*) FROM tributary_event_publication"
                + " WHERE completion_date IS NOT NULL AND serialized_event LIKE ?", Integer.class, eventLike);
    }

    private String bootstrap() {
        return String.join(",", connection.getBootstrapServers());
    }
}
