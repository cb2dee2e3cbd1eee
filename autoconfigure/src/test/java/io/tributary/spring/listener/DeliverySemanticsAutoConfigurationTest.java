package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import io.tributary.spring.identity.ApplicationIdentity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;

/**
 * The delivery-semantics presets on real contexts: what each one sets, what contradicts it, and how a bad
 * setting fails startup. What each one does to records is proven by the listener tests in this package.
 */
@ExtendWith(OutputCaptureExtension.class)
class DeliverySemanticsAutoConfigurationTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    KafkaAutoConfiguration.class, TributaryListenerAutoConfiguration.class))
            .withPropertyValues("tributary.broker.ephemeral=true", "spring.application.name=presets");

    @Test
    void atLeastOnceIsTheDefault() {
        contexts.run(context -> {
            DeliveryRuntimes runtimes = context.getBean(DeliveryRuntimes.class);
            assertThat(runtimes.defaultSemantics()).isEqualTo(DeliverySemantics.AT_LEAST_ONCE);
            DeliveryRuntime runtime = runtimes.runtime(DeliverySemantics.AT_LEAST_ONCE);
            assertThat(runtime.template().getProducerFactory().getConfigurationProperties())
                    .containsEntry("acks", "all").containsEntry("enable.idempotence", "true");
            assertThat(runtime.template().isTransactional()).isFalse();
            assertThat(runtime.containerFactory().getConsumerFactory().getConfigurationProperties())
                    .containsEntry("enable.auto.commit", "false");
            assertThat(containerErrorHandler(runtime)).isInstanceOf(DefaultErrorHandler.class);
        });
    }

    @Test
    void exactlyOnceUsesTransactionsAndReadCommitted() {
        contexts.withPropertyValues("tributary.delivery=exactly-once").run(context -> {
            DeliveryRuntime runtime = context.getBean(DeliveryRuntimes.class).runtime(DeliverySemantics.EXACTLY_ONCE);
            assertThat(runtime.template().isTransactional()).isTrue();
            assertThat(((DefaultKafkaProducerFactory<?, ?>) runtime.template().getProducerFactory())
                    .getTransactionIdPrefix()).isEqualTo("presets-0-tx-");
            assertThat(runtime.containerFactory().getConsumerFactory().getConfigurationProperties())
                    .containsEntry("isolation.level", "read_committed");
            assertThat(runtime.containerFactory().getContainerProperties().getKafkaAwareTransactionManager())
                    .isNotNull();
        });
    }

    @Test
    void atMostOnceLogsFailuresInsteadOfRetrying() {
        contexts.withPropertyValues("tributary.delivery=at-most-once").run(context -> {
            DeliveryRuntime runtime = context.getBean(DeliveryRuntimes.class).runtime(DeliverySemantics.AT_MOST_ONCE);
            assertThat(containerErrorHandler(runtime)).isInstanceOf(AtMostOnceErrorHandler.class);
            assertThat(runtime.template().getProducerFactory().getConfigurationProperties())
                    .containsEntry("retries", "0");
        });
    }

    @Test
    void everySemanticsReadsCommittedAndStartsAtTheEarliestOffset() {
        contexts.run(context -> {
            DeliveryRuntimes runtimes = context.getBean(DeliveryRuntimes.class);
            for (DeliverySemantics semantics : DeliverySemantics.values()) {
                assertThat(runtimes.runtime(semantics).containerFactory().getConsumerFactory()
                        .getConfigurationProperties()).as(semantics.value())
                        .containsEntry("isolation.level", "read_committed")
                        .containsEntry("auto.offset.reset", "earliest");
            }
        });
    }

    @Test
    void explicitReadUncommittedIsKeptForAtLeastOnce() {
        contexts.withPropertyValues("spring.kafka.consumer.isolation-level=read-uncommitted").run(context ->
                assertThat(context.getBean(DeliveryRuntimes.class).runtime(DeliverySemantics.AT_LEAST_ONCE)
                        .containerFactory().getConsumerFactory().getConfigurationProperties())
                        .containsEntry("isolation.level", "read_uncommitted"));
    }

    @Test
    void autoOffsetResetIsATributaryPropertyThatSpringKafkasOwnSettingOverrides() {
        contexts.withPropertyValues("tributary.listener.auto-offset-reset=latest").run(context ->
                assertThat(consumerConfig(context.getBean(DeliveryRuntimes.class)))
                        .containsEntry("auto.offset.reset", "latest"));
        contexts.withPropertyValues("tributary.listener.auto-offset-reset=latest",
                "spring.kafka.consumer.auto-offset-reset=none").run(context ->
                assertThat(consumerConfig(context.getBean(DeliveryRuntimes.class)))
                        .containsEntry("auto.offset.reset", "none"));
    }

    @Test
    void transactionIdPrefixDefaultsToTheApplicationIdentitys() {
        contexts.withPropertyValues("tributary.delivery=exactly-once")
                .withBean(ApplicationIdentity.class, () -> new ApplicationIdentity("presets", "replica-2"))
                .run(context -> assertThat(((DefaultKafkaProducerFactory<?, ?>) context.getBean(DeliveryRuntimes.class)
                        .runtime(DeliverySemantics.EXACTLY_ONCE).template().getProducerFactory())
                        .getTransactionIdPrefix()).isEqualTo("presets-replica-2-tx-"));
    }

    @Test
    void transactionIdPrefixCanBeSet() {
        contexts.withPropertyValues("tributary.delivery=exactly-once", "tributary.transaction-id-prefix=billing-7-")
                .run(context -> assertThat(((DefaultKafkaProducerFactory<?, ?>) context.getBean(DeliveryRuntimes.class)
                        .runtime(DeliverySemantics.EXACTLY_ONCE).template().getProducerFactory())
                        .getTransactionIdPrefix()).isEqualTo("billing-7-"));
    }

    @Test
    void userSettingsThatKeepThePromiseStay() {
        contexts.withPropertyValues("spring.kafka.producer.retries=7", "spring.kafka.producer.properties.linger.ms=20")
                .run(context -> assertThat(context.getBean(DeliveryRuntimes.class)
                        .runtime(DeliverySemantics.AT_LEAST_ONCE).template().getProducerFactory()
                        .getConfigurationProperties()).containsEntry("retries", 7).containsEntry("linger.ms", "20"));
    }

    @Test
    void anyKafkaSerializerCanReplaceJson() {
        contexts.withPropertyValues(
                "spring.kafka.producer.value-serializer=org.apache.kafka.common.serialization.StringSerializer")
                .run(context -> {
                    EventTemplate events = context.getBean(EventTemplate.class);
                    var sent = events.send("dc-plain", "k", "plain text, not JSON").get(10, TimeUnit.SECONDS);
                    String bootstrap = String.join(",", context.getBean(
                            org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails.class)
                            .getBootstrapServers());
                    try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringDeserializer(),
                            new StringDeserializer())) {
                        var partition = new TopicPartition("dc-plain", sent.partition());
                        consumer.assign(List.of(partition));
                        consumer.seek(partition, sent.offset());
                        var records = consumer.poll(Duration.ofSeconds(10));
                        assertThat(records.records(partition)).first().satisfies(record -> {
                            assertThat(record.value()).isEqualTo("plain text, not JSON");
                            assertThat(record.headers().lastHeader("__TypeId__")).isNull();
                        });
                    }
                });
    }

    @Test
    void jsonValuesCarryTheirTypeInAHeader() {
        contexts.run(context -> {
            var sent = context.getBean(EventTemplate.class).publish("k", new Thing("t-1")).get(10, TimeUnit.SECONDS);
            String bootstrap = String.join(",", context.getBean(
                    org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails.class).getBootstrapServers());
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrap), new StringDeserializer(), new StringDeserializer())) {
                var partition = new TopicPartition("dc-things", sent.partition());
                consumer.assign(List.of(partition));
                consumer.seek(partition, sent.offset());
                assertThat(consumer.poll(Duration.ofSeconds(10)).records(partition)).first().satisfies(record -> {
                    assertThat(record.value()).isEqualTo("{\"id\":\"t-1\"}");
                    assertThat(new String(record.headers().lastHeader("__TypeId__").value()))
                            .isEqualTo(Thing.class.getName());
                });
            }
        });
    }

    @Test
    void acksZeroWithExactlyOnceFailsStartupNamingTheProperty() {
        contexts.withPropertyValues("tributary.delivery=exactly-once", "spring.kafka.producer.acks=0").run(context -> {
            FailureAnalysis analysis = conflict(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("tributary.delivery=exactly-once", "acks=0");
            assertThat(analysis.getAction()).contains("Remove the acks setting", "sets acks=all");
        });
    }

    @Test
    void readUncommittedWithExactlyOnceFailsStartup() {
        contexts.withPropertyValues("tributary.delivery=exactly-once",
                "spring.kafka.consumer.isolation-level=read-uncommitted").run(context -> assertThat(
                conflict(context.getStartupFailure()).getDescription()).contains("isolation.level=read_uncommitted"));
    }

    @Test
    void autoCommitWithAtLeastOnceFailsStartup() {
        contexts.withPropertyValues("spring.kafka.consumer.enable-auto-commit=true").run(context -> assertThat(
                conflict(context.getStartupFailure()).getDescription()).contains("tributary.delivery=at-least-once",
                "enable.auto.commit=true"));
    }

    @Test
    void listenerOverrideIsCheckedAgainstItsOwnProperties() {
        contexts.withUserConfiguration(ReadUncommittedExactlyOnceListener.class).run(context -> assertThat(
                conflict(context.getStartupFailure()).getDescription()).contains("isolation.level=read_uncommitted",
                "in the properties of @TopicListener"));
    }

    @Test
    void listenerOfATypeWithoutTopicFailsStartupSayingWhatToAdd() {
        contexts.withUserConfiguration(UntypedListener.class).run(context -> assertThat(
                context.getStartupFailure()).rootCause().hasMessageContaining("which has no @Topic")
                .hasMessageContaining("@TopicListener(topics = \"...\")"));
    }

    @Test
    void twoListenersSharingATopicAndGroupFailStartup() {
        contexts.withUserConfiguration(TwoListenersOneGroup.class).run(context -> assertThat(
                context.getStartupFailure()).rootCause().hasMessageContaining("both listen to topic 'dc-things'")
                .hasMessageContaining("groupId"));
    }

    @Test
    void typedConsumerRecordParameterFailsStartup() {
        contexts.withUserConfiguration(TypedRecordListener.class).run(context -> assertThat(
                context.getStartupFailure()).rootCause().hasMessageContaining("takes a ConsumerRecord of Thing"));
    }

    @Test
    void applicationsOwnEventTemplateWins() {
        contexts.withUserConfiguration(OwnEventTemplate.class).run(context -> assertThat(
                context.getBean(EventTemplate.class)).isSameAs(context.getBean(OwnEventTemplate.class).template));
    }

    @Test
    void unknownDeliveryValueFailsStartupListingTheValues(CapturedOutput output) {
        var application = new SpringApplication(MinimalApp.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        try {
            application.run("--tributary.delivery=twice", "--tributary.broker.ephemeral=true");
        } catch (RuntimeException expected) {
            // SpringApplication reports the failure analysis on the console and rethrows.
        }
        assertThat(output).contains("tributary.delivery is 'twice', which is not a delivery semantics")
                .contains("Set tributary.delivery to one of: at-most-once, at-least-once, exactly-once");
    }

    private static Map<String, Object> consumerConfig(DeliveryRuntimes runtimes) {
        return runtimes.runtime(DeliverySemantics.AT_LEAST_ONCE).containerFactory().getConsumerFactory()
                .getConfigurationProperties();
    }

    private static Object containerErrorHandler(DeliveryRuntime runtime) {
        return org.springframework.test.util.ReflectionTestUtils.getField(runtime.containerFactory(),
                "commonErrorHandler");
    }

    private static FailureAnalysis conflict(Throwable failure) {
        assertThat(failure).as("startup failure").isNotNull();
        FailureAnalysis analysis = new DeliverySemanticsFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("a DeliverySemanticsConflictException in " + failure).isNotNull();
        return analysis;
    }

    @Topic(name = "dc-things")
    record Thing(String id) {
    }

    record NoTopic(String id) {
    }

    @Configuration(proxyBeanMethods = false)
    static class ReadUncommittedExactlyOnceListener {
        @TopicListener(delivery = io.tributary.spring.DeliverySemantics.EXACTLY_ONCE,
                properties = "isolation.level=read_uncommitted")
        void on(Thing thing) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UntypedListener {
        @TopicListener
        void on(NoTopic event) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoListenersOneGroup {
        @TopicListener
        void first(Thing thing) {
        }

        @TopicListener
        void second(Thing thing) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TypedRecordListener {
        @TopicListener
        void on(ConsumerRecord<String, Thing> record) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnEventTemplate {
        final EventTemplate template = new EventTemplate(null);

        @Bean
        EventTemplate eventTemplate() {
            return template;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class MinimalApp {
    }
}
