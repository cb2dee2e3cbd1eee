package io.tributary.spring.outbox;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.TributaryProperties;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The transactional outbox of an application with one DataSource. Imported by
 * {@link TributaryOutboxAutoConfiguration} before {@link InMemoryOutboxConfiguration}, which backs off when this one
 * applies.
 */
@ConditionalOnClass(JdbcTemplate.class)
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnBooleanProperty(name = "tributary.outbox.enabled", matchIfMissing = true)
final class JdbcOutboxConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OutboxSchema tributaryOutboxSchema(DataSource dataSource, TributaryProperties properties) {
        return new OutboxSchema(dataSource, properties.getOutbox().getInitializeSchema());
    }

    @Bean
    @ConditionalOnMissingBean(Outbox.class)
    JdbcOutbox tributaryJdbcOutbox(DataSource dataSource, OutboxSchema schema, EventTemplate events,
                                   ObjectProvider<JsonMapper> jsonMapper, TributaryProperties properties) {
        return new JdbcOutbox(new OutboxTable(dataSource), events, jsonMapper.getIfAvailable(JsonMapper::shared),
                properties.getOutbox(), Clock.systemUTC());
    }
}
