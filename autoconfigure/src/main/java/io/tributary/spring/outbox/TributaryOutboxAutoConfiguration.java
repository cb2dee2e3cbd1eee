package io.tributary.spring.outbox;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.listener.TributaryListenerAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Forwarding of {@code publishEvent} to Kafka through an outbox: with a DataSource, the transactional outbox table
 * ({@link JdbcOutbox}); without one, sends after commit retried from memory ({@link InMemoryOutbox}). See
 * docs/outbox.md.
 */
@AutoConfiguration(after = TributaryListenerAutoConfiguration.class,
        afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass(KafkaTemplate.class)
@ConditionalOnBean(EventTemplate.class)
// Top-level classes imported in this order: as nested classes they would be processed as member classes first, in
// no defined order, and the in-memory outbox could win over the JDBC one.
@Import({JdbcOutboxConfiguration.class, InMemoryOutboxConfiguration.class})
public final class TributaryOutboxAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ApplicationEventForwarder tributaryApplicationEventForwarder(EventTemplate events, Outbox outbox) {
        return new ApplicationEventForwarder(events, outbox);
    }
}
