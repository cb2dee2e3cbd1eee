package io.tributary.spring.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import io.tributary.spring.listener.TributaryListenerAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Which outbox an application gets, and a table that neither exists nor is to be created failing startup with what
 * to change instead of failing the first transaction that publishes.
 */
class OutboxSchemaTest {
    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    KafkaAutoConfiguration.class, TributaryListenerAutoConfiguration.class,
                    DataSourceAutoConfiguration.class, TributaryOutboxAutoConfiguration.class))
            .withPropertyValues("tributary.broker.ephemeral=true", "spring.application.name=outbox-schema",
                    "spring.datasource.generate-unique-name=true");

    @Test
    void embeddedDatabaseGetsTheTableAndTheJdbcOutbox() {
        contexts.run(context -> assertThat(context).hasSingleBean(JdbcOutbox.class)
                .doesNotHaveBean(InMemoryOutbox.class));
    }

    @Test
    void missingTableThatIsNotToBeCreatedFailsStartupSayingWhatToDo() {
        contexts.withPropertyValues("tributary.outbox.initialize-schema=never").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("tributary_event_publication does not exist")
                    .hasMessageContaining("io/tributary/spring/outbox/schema-h2.sql")
                    .hasMessageContaining("tributary.outbox.initialize-schema=always")
                    .hasMessageContaining("tributary.outbox.enabled=false");
        });
    }

    @Test
    void disabledOutboxSendsFromMemory() {
        contexts.withPropertyValues("tributary.outbox.enabled=false").run(context ->
                assertThat(context).hasSingleBean(InMemoryOutbox.class).doesNotHaveBean(JdbcOutbox.class));
    }
}
