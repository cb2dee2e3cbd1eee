package io.tributary.spring.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.identity.ApplicationIdentityAutoConfiguration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which cluster the application uses, said once at startup and in the summary health and endpoint show: mode,
 * address, where the address came from, the data directory and how to change them.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClusterSummaryTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    KafkaAutoConfiguration.class, ApplicationIdentityAutoConfiguration.class,
                    ClusterSummaryAutoConfiguration.class))
            .withPropertyValues("tributary.broker.ephemeral=true", "spring.application.name=summary-test");

    @Test
    void embeddedBrokerItsAddressAndItsDataDirectory(CapturedOutput output) {
        contexts.run(context -> {
            EmbeddedBroker broker = context.getBean(EmbeddedBroker.class);
            ClusterSummary summary = context.getBean(ClusterSummary.class);
            assertThat(summary.details()).containsEntry("mode", "embedded")
                    .containsEntry("bootstrapServers", broker.bootstrapServers())
                    .containsEntry("source", "embedded broker")
                    .containsEntry("dataDir", broker.dataDir().toString())
                    .containsEntry("ephemeral", true);
            assertThat(summary.change()).contains("tributary.broker.data-dir", "spring.kafka.bootstrap-servers");
            assertThat(output).containsOnlyOnce("Tributary: embedded broker at " + broker.bootstrapServers()
                    + ", data in " + broker.dataDir() + " (deleted on stop); set tributary.broker.data-dir");
            assertThat(output).contains("application summary-test, no instance id claimed");
        });
    }

    @Test
    void externalClusterFromTheBootstrapServersProperty(CapturedOutput output) {
        contexts.withPropertyValues("spring.kafka.bootstrap-servers=kafka-1:9092,kafka-2:9092").run(context -> {
            ClusterSummary summary = context.getBean(ClusterSummary.class);
            assertThat(summary).isEqualTo(new ClusterSummary("external", List.of("kafka-1:9092", "kafka-2:9092"),
                    "spring.kafka.bootstrap-servers", null, false,
                    "set tributary.mode=embedded to run an embedded broker instead"));
            assertThat(summary.details()).doesNotContainKey("dataDir");
            assertThat(output).containsOnlyOnce("Tributary: external cluster at kafka-1:9092,kafka-2:9092 (from "
                    + "spring.kafka.bootstrap-servers); set tributary.mode=embedded");
        });
    }

    @Test
    void externalClusterFromAConnectionDetailsBean() {
        contexts.withUserConfiguration(OwnConnectionDetails.class).run(context -> assertThat(
                context.getBean(ClusterSummary.class).details()).containsEntry("mode", "external")
                .containsEntry("bootstrapServers", "elsewhere:9092")
                .containsEntry("source", "KafkaConnectionDetails bean 'ownConnectionDetails'"));
    }

    @Test
    void externalModeWithNothingConfiguredSaysItIsSpringBootsDefault() {
        contexts.withPropertyValues("tributary.mode=external").run(context -> assertThat(
                context.getBean(ClusterSummary.class).details()).containsAllEntriesOf(Map.of("mode", "external",
                "bootstrapServers", "localhost:9092",
                "source", "Spring Boot's default (spring.kafka.bootstrap-servers is not set)",
                "change", "set tributary.mode=auto or embedded to run an embedded broker")));
    }

    @Test
    void theStartupLineShowsTheInstanceIdOnceSomethingClaimedIt(CapturedOutput output) {
        contexts.withPropertyValues("tributary.instance-id=blue").withUserConfiguration(TransactionalUser.class)
                .run(context -> assertThat(output).contains("application summary-test, instance blue"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnConnectionDetails {
        @Bean
        KafkaConnectionDetails ownConnectionDetails() {
            return () -> List.of("elsewhere:9092");
        }
    }

    /** Stands for a transactional producer factory, which asks for its prefix when it is created. */
    @Configuration(proxyBeanMethods = false)
    static class TransactionalUser {
        @Bean
        String transactionIdPrefix(io.tributary.spring.identity.ApplicationIdentity identity) {
            return identity.transactionIdPrefix();
        }
    }
}
