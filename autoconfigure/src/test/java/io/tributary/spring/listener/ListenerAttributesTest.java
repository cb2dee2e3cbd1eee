package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.TopicListener;
import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import io.tributary.spring.listener.TopicListenerEnhancer.ListenerEndpoint;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * What {@code @TopicListener}'s attributes and {@code tributary.listeners.<id>.*} make of a listener: its id, its
 * topics with placeholders resolved, its retry settings (configuration winning over the annotation), and the
 * startup failures, naming the method, of settings that cannot be honoured. Containers do not start here; applying
 * the retry settings to records is the listener tests' business.
 */
class ListenerAttributesTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    KafkaAutoConfiguration.class, TributaryListenerAutoConfiguration.class))
            .withPropertyValues("tributary.broker.ephemeral=true", "spring.application.name=attributes",
                    "spring.kafka.listener.auto-startup=false", "tributary.listener.create-topics=false");

    static class OrderAudit {
        @TopicListener(topics = "${app.env}.audit", retries = 4, backoff = "${audit.backoff:250ms}",
                maxBackoff = "2s", retryTopics = true, keepKeyOrder = true)
        void onAudit(String entry) {
        }

        @TopicListener(id = "plain", topics = "plain", groupId = "plain")
        void plain(String entry) {
        }
    }

    static class Echo {
        @TopicListener(topics = "echo")
        void echo(String entry) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoEchoes {
        @Bean
        Echo firstEcho() {
            return new Echo();
        }

        @Bean
        Echo secondEcho() {
            return new Echo();
        }
    }

    @Test
    void idsAreGeneratedFromClassAndMethodAndTopicsResolvePlaceholders() {
        contexts.withPropertyValues("app.env=staging").withBean(OrderAudit.class).run(context -> {
            assertThat(endpoint(context, "order-audit-on-audit").topics()).containsExactly("staging.audit");
            assertThat(context.getBean(KafkaListenerEndpointRegistry.class).getListenerContainerIds())
                    .containsExactlyInAnyOrder("order-audit-on-audit", "plain");
        });
    }

    @Test
    void aSecondBeanOfTheSameClassGetsANumberedId() {
        contexts.withUserConfiguration(TwoEchoes.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(KafkaListenerEndpointRegistry.class).getListenerContainerIds())
                    .containsExactlyInAnyOrder("echo-echo", "echo-echo-2");
        });
    }

    @Test
    void annotationSetsRetriesAndTheListenerWithoutThemTakesTheApplicationsSettings() {
        contexts.withPropertyValues("app.env=dev").withBean(OrderAudit.class).run(context -> {
            assertThat(endpoint(context, "order-audit-on-audit").retry()).isEqualTo(new ListenerRetry(5,
                    Duration.ofMillis(250), Duration.ofSeconds(2), true, true));
            assertThat(endpoint(context, "plain").retry()).isEqualTo(ListenerRetry.DEFAULTS);
        });
    }

    @Test
    void propertiesWinOverTheAnnotationValueByValue() {
        contexts.withPropertyValues("app.env=dev", "audit.backoff=1s",
                "tributary.listeners.order-audit-on-audit.max-attempts=2",
                "tributary.listeners.order-audit-on-audit.retry-topics=false",
                "tributary.listeners.plain.backoff=50ms").withBean(OrderAudit.class).run(context -> {
                    assertThat(endpoint(context, "order-audit-on-audit").retry()).isEqualTo(new ListenerRetry(2,
                            Duration.ofSeconds(1), Duration.ofSeconds(2), false, true));
                    assertThat(endpoint(context, "plain").retry()).isEqualTo(new ListenerRetry(null,
                            Duration.ofMillis(50), null, false, false));
                });
    }

    static class BadBackoff {
        @TopicListener(topics = "bad", backoff = "fast")
        void slow(String entry) {
        }
    }

    @Test
    void aBackoffThatIsNoDurationFailsStartupNamingTheMethod() {
        contexts.withBean(BadBackoff.class).run(context -> assertFailure(context,
                BadBackoff.class.getName() + "#slow has backoff = \"fast\", which is not a duration"));
    }

    static class ShortMaxBackoff {
        @TopicListener(topics = "short", backoff = "2s", maxBackoff = "1s")
        void shortMax(String entry) {
        }
    }

    @Test
    void aMaxBackoffBelowTheBackoffFailsStartup() {
        contexts.withBean(ShortMaxBackoff.class).run(context -> assertFailure(context,
                ShortMaxBackoff.class.getName() + "#shortMax (tributary.listeners.short-max-backoff-short-max) has a"
                        + " back-off of PT2S but a max-backoff of PT1S"));
    }

    static class TwoSemantics {
        @TopicListener(topics = "two", delivery = {DeliverySemantics.AT_MOST_ONCE, DeliverySemantics.EXACTLY_ONCE})
        void twice(String entry) {
        }
    }

    @Test
    void moreThanOneDeliverySemanticsFailsStartup() {
        contexts.withBean(TwoSemantics.class).run(context -> assertFailure(context,
                TwoSemantics.class.getName() + "#twice has delivery = [AT_MOST_ONCE, EXACTLY_ONCE]. Choose one"));
    }

    static class FactoryAndSemantics {
        @TopicListener(topics = "own", containerFactory = "mine", delivery = DeliverySemantics.EXACTLY_ONCE)
        void own(String entry) {
        }
    }

    @Test
    void deliveryWithAContainerFactoryOfTheUsersFailsStartup() {
        contexts.withBean(FactoryAndSemantics.class).run(context -> assertFailure(context,
                FactoryAndSemantics.class.getName() + "#own has both delivery = EXACTLY_ONCE and containerFactory"
                        + " = \"mine\""));
    }

    static class RetriedAtMostOnce {
        @TopicListener(topics = "amo", delivery = DeliverySemantics.AT_MOST_ONCE, retries = 3)
        void once(String entry) {
        }
    }

    @Test
    void retriesOnAnAtMostOnceListenerFailStartup() {
        contexts.withBean(RetriedAtMostOnce.class).run(context -> assertFailure(context,
                RetriedAtMostOnce.class.getName() + "#once (tributary.listeners.retried-at-most-once-once) sets"
                        + " retries, but it is at-most-once"));
    }

    @Test
    void propertyKeysMatchIdsIgnoringCaseAndDashesAndOnlyTheirOwnListener() {
        contexts.withPropertyValues("app.env=dev", "tributary.listeners.orderAuditOnAudit.max-attempts=7",
                "tributary.listeners.someone-else.max-attempts=0").withBean(OrderAudit.class).run(context -> {
                    assertThat(endpoint(context, "order-audit-on-audit").retry().maxAttempts()).isEqualTo(7);
                    assertThat(endpoint(context, "plain").retry()).isEqualTo(ListenerRetry.DEFAULTS);
                });
    }

    private static ListenerEndpoint endpoint(AssertableApplicationContext context, String id) {
        assertThat(context).hasNotFailed();
        return context.getBean(TopicListenerEnhancer.class).endpoints().stream().filter(e -> e.id().equals(id))
                .findFirst().orElseThrow(() -> new AssertionError("no listener " + id + " in "
                        + context.getBean(TopicListenerEnhancer.class).endpoints()));
    }

    private static void assertFailure(AssertableApplicationContext context, String message) {
        assertThat(context).getFailure().hasStackTraceContaining(message);
    }
}
