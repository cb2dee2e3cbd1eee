package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * A listener's event type declares its topic wherever the type lives (here: outside any scanned package): the
 * topic is created at startup with its partitions and configs, with its dead-letter topic; with
 * {@code create-topics=false} nothing is created. Topic names may use {@code ${...}} placeholders.
 */
class TopicDeclarationsTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    KafkaAutoConfiguration.class, TributaryListenerAutoConfiguration.class))
            .withPropertyValues("tributary.broker.ephemeral=true", "spring.application.name=declarations")
            .withUserConfiguration(WideListener.class);

    @Topic(name = "td-wide", partitions = 4, configs = "cleanup.policy=compact")
    record Wide(String id) {
    }

    @Configuration(proxyBeanMethods = false)
    static class WideListener {
        @TopicListener
        void on(Wide wide) {
        }
    }

    @Test
    void listenerEventTypeDeclaresItsTopicAndDeadLetterTopic() {
        contexts.withPropertyValues("spring.kafka.listener.auto-startup=false").run(context -> {
            try (Admin admin = admin(context.getBean(EmbeddedBroker.class))) {
                var topics = admin.describeTopics(List.of("td-wide", "td-wide.DLT")).allTopicNames()
                        .get(10, TimeUnit.SECONDS);
                assertThat(topics.get("td-wide").partitions()).hasSize(4);
                assertThat(topics.get("td-wide.DLT").partitions()).hasSize(1);
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, "td-wide");
                assertThat(admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource)
                        .get("cleanup.policy").value()).isEqualTo("compact");
            }
        });
    }

    @Topic(name = "${app.env:dev}.td-orders", partitions = 2)
    record Placed(String id) {
    }

    @Configuration(proxyBeanMethods = false)
    static class PlacedListener {
        @TopicListener
        void on(Placed placed) {
        }
    }

    @Test
    void topicNamesResolvePlaceholdersPerEnvironment() {
        contexts.withPropertyValues("spring.kafka.listener.auto-startup=false", "app.env=staging")
                .withUserConfiguration(PlacedListener.class).run(context -> {
                    assertThat(context.getBean(TopicListenerEnhancer.class).endpoints())
                            .flatExtracting(TopicListenerEnhancer.ListenerEndpoint::topics)
                            .containsExactlyInAnyOrder("td-wide", "staging.td-orders");
                    try (Admin admin = admin(context.getBean(EmbeddedBroker.class))) {
                        var topics = admin.describeTopics(List.of("staging.td-orders", "staging.td-orders.DLT"))
                                .allTopicNames().get(10, TimeUnit.SECONDS);
                        assertThat(topics.get("staging.td-orders").partitions()).hasSize(2);
                        assertThat(topics).containsKey("staging.td-orders.DLT");
                        assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS))
                                .noneMatch(name -> name.contains("${"));
                    }
                });
    }

    @Test
    void createTopicsFalseCreatesNothing() {
        contexts.withPropertyValues("spring.kafka.listener.auto-startup=false", "tributary.listener.create-topics=false",
                "tributary.broker.auto-create-topics=false").run(context -> {
                    try (Admin admin = admin(context.getBean(EmbeddedBroker.class))) {
                        assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS))
                                .doesNotContain("td-wide", "td-wide.DLT");
                    }
                });
    }

    private static Admin admin(EmbeddedBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
