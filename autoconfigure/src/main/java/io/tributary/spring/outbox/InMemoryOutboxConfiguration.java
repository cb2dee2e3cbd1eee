package io.tributary.spring.outbox;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.TributaryProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Sends after commit, retried from memory, when there is no {@link JdbcOutboxConfiguration JDBC outbox}. */
final class InMemoryOutboxConfiguration {

    @Bean
    @ConditionalOnMissingBean(Outbox.class)
    InMemoryOutbox tributaryInMemoryOutbox(EventTemplate events, TributaryProperties properties) {
        return new InMemoryOutbox(events, properties.getOutbox());
    }
}
