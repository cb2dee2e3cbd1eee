package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.TopicListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.transaction.KafkaTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The Kafka transaction manager is a bean beside Spring Boot's JDBC one (H2), and records of a transaction it
 * rolls back reach no listener: at-most-once and at-least-once listeners read committed records only, unless one
 * asks for read_uncommitted itself.
 */
@SpringBootTest(classes = KafkaTransactionsTest.App.class, properties = {
        "spring.application.name=kafka-transactions-test", "tributary.broker.ephemeral=true"})
class KafkaTransactionsTest {

    record Invoice(String id) {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        final List<String> notified = new CopyOnWriteArrayList<>();
        final List<String> booked = new CopyOnWriteArrayList<>();
        final List<String> audited = new CopyOnWriteArrayList<>();

        @TopicListener(topics = "ktx-invoices", groupId = "notifications", delivery = DeliverySemantics.AT_MOST_ONCE)
        void notify(Invoice invoice) {
            notified.add(invoice.id());
        }

        @TopicListener(topics = "ktx-invoices", groupId = "ledger", delivery = DeliverySemantics.AT_LEAST_ONCE)
        void book(Invoice invoice) {
            booked.add(invoice.id());
        }

        /** Asks for read_uncommitted explicitly, which is kept: it sees the aborted record too. */
        @TopicListener(topics = "ktx-invoices", groupId = "audit", properties = "isolation.level=read_uncommitted")
        void audit(Invoice invoice) {
            audited.add(invoice.id());
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Autowired
    PlatformTransactionManager defaultTransactionManager;

    @Autowired
    @Qualifier("tributaryKafkaTransactionManager")
    KafkaTransactionManager<Object, Object> kafkaTransactionManager;

    @Autowired
    ApplicationContext context;

    @Test
    void kafkaTransactionManagerLeavesSpringBootsDataSourceOneTheDefault() {
        assertThat(defaultTransactionManager).isInstanceOf(JdbcTransactionManager.class);
        assertThat(context.getBeansOfType(PlatformTransactionManager.class)).containsKeys("transactionManager",
                "tributaryKafkaTransactionManager");
        // Nor does Spring Boot's own listener factory pick it up as the application's Kafka transaction manager.
        assertThat(context.getBean("kafkaListenerContainerFactory", ConcurrentKafkaListenerContainerFactory.class)
                .getContainerProperties().getKafkaAwareTransactionManager()).isNull();
    }

    @Test
    void recordsOfARolledBackTransactionReachNoListener() {
        var transaction = new TransactionTemplate(kafkaTransactionManager);
        transaction.executeWithoutResult(status -> events.send("ktx-invoices", "i-1", new Invoice("i-1")));
        assertThatThrownBy(() -> transaction.executeWithoutResult(status -> {
            // Acknowledged, so i-2 is in the log before the abort: otherwise the producer would drop the
            // still-buffered batch on abort, nothing would reach the broker, and the test would prove nothing.
            events.send("ktx-invoices", "i-2", new Invoice("i-2")).join();
            throw new IllegalStateException("billing failed after sending");
        })).hasMessageContaining("billing failed");
        transaction.executeWithoutResult(status -> events.send("ktx-invoices", "i-3", new Invoice("i-3")));

        await().atMost(Duration.ofSeconds(30)).until(() -> app.notified.contains("i-3") && app.booked.contains("i-3")
                && app.audited.contains("i-3"));
        assertThat(app.notified).containsExactly("i-1", "i-3");
        assertThat(app.booked).containsExactly("i-1", "i-3");
        assertThat(app.audited).containsExactly("i-1", "i-2", "i-3");
    }
}
