package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.TopicListener;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.AfterRollbackProcessor;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.DefaultAfterRollbackProcessor;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.converter.ByteArrayJacksonJsonMessageConverter;
import org.springframework.kafka.support.converter.RecordMessageConverter;
import org.springframework.messaging.Message;
import org.springframework.util.backoff.FixedBackOff;

/**
 * The application's own listener-container beans run in Tributary's containers, composed with each semantics:
 * its error handler retries at-least-once records (Tributary's would retry 4 times), is told of at-most-once
 * failures without redelivering them, its after-rollback processor handles exactly-once rollbacks, and its
 * interceptor, converter, rebalance listener and container customizer run beside Tributary's metrics.
 */
@SpringBootTest(classes = ApplicationContainerBeansTest.App.class, properties = {
        "spring.application.name=container-beans-test", "tributary.broker.ephemeral=true",
        "tributary.listener.backoff=10ms", "tributary.listener.max-attempts=4"})
class ApplicationContainerBeansTest {

    record Job(String id) {
    }

    /** What the application's beans saw; shared by the listeners and the container beans. */
    static class Seen {
        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        final List<String> told = new CopyOnWriteArrayList<>();
        final List<String> recovered = new CopyOnWriteArrayList<>();
        final List<String> rolledBack = new CopyOnWriteArrayList<>();
        final List<String> intercepted = new CopyOnWriteArrayList<>();
        final List<String> assignedTopics = new CopyOnWriteArrayList<>();
        final List<String> customizedIds = new CopyOnWriteArrayList<>();
        final AtomicInteger conversions = new AtomicInteger();
        final Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> failed = new ConcurrentHashMap<>();
    }

    /** No component scan: other test classes' configurations in this package stay out. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(ContainerBeans.class)
    static class App {
        final Seen seen;

        App(Seen seen) {
            this.seen = seen;
        }

        /** Static: the container beans need it while this bean, whose listeners need them, is being created. */
        @Bean
        static Seen seen() {
            return new Seen();
        }

        @TopicListener(id = "beans-most", topics = "acb-most", delivery = DeliverySemantics.AT_MOST_ONCE)
        void atMostOnce(Job job) {
            handle(job);
        }

        @TopicListener(id = "beans-least", topics = "acb-least")
        void atLeastOnce(Job job) {
            handle(job);
        }

        @TopicListener(id = "beans-exact", topics = "acb-exact", delivery = DeliverySemantics.EXACTLY_ONCE)
        void exactlyOnce(Job job) {
            handle(job);
        }

        private void handle(Job job) {
            int attempt = seen.attempts.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
            if (job.id().startsWith("poison") || (job.id().startsWith("flaky") && attempt == 1)) {
                throw new IllegalStateException("job " + job.id() + " fails");
            }
        }

    }

    /** The application's container beans, in a configuration of their own (not in the listeners' bean). */
    @Configuration(proxyBeanMethods = false)
    static class ContainerBeans {
        private final Seen seen;

        ContainerBeans(Seen seen) {
            this.seen = seen;
        }

        @Bean
        CommonErrorHandler applicationErrorHandler() {
            // Two deliveries, then the application's own recoverer instead of Tributary's dead-letter topic.
            return new DefaultErrorHandler((record, e) -> seen.recovered.add(id(record)), new FixedBackOff(0, 1)) {
                @Override
                public boolean handleOne(Exception e, ConsumerRecord<?, ?> record, Consumer<?, ?> consumer,
                                         MessageListenerContainer container) {
                    seen.told.add(id(record));
                    return super.handleOne(e, record, consumer, container);
                }

                @Override
                public void handleRemaining(Exception e, List<ConsumerRecord<?, ?>> records, Consumer<?, ?> consumer,
                                            MessageListenerContainer container) {
                    seen.told.add(id(records.get(0)));
                    super.handleRemaining(e, records, consumer, container);
                }
            };
        }

        @Bean
        AfterRollbackProcessor<Object, Object> applicationAfterRollbackProcessor() {
            return new DefaultAfterRollbackProcessor<>((record, e) -> seen.rolledBack.add(id(record)),
                    new FixedBackOff(0, 1));
        }

        @Bean
        RecordInterceptor<Object, Object> applicationInterceptor() {
            return (record, consumer) -> {
                seen.intercepted.add(record.topic());
                return record;
            };
        }

        @Bean
        RecordMessageConverter applicationConverter() {
            return new ByteArrayJacksonJsonMessageConverter() {
                @Override
                public Message<?> toMessage(ConsumerRecord<?, ?> record, Object acknowledgment, Object consumer,
                                            Type type) {
                    seen.conversions.incrementAndGet();
                    return super.toMessage(record, acknowledgment, consumer, type);
                }
            };
        }

        @Bean
        ConsumerAwareRebalanceListener applicationRebalanceListener() {
            return new ConsumerAwareRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                    partitions.forEach(partition -> seen.assignedTopics.add(partition.topic()));
                }
            };
        }

        @Bean
        ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> applicationCustomizer() {
            return container -> seen.customizedIds.add(container.getListenerId());
        }

        @Bean
        ListenerMetrics testMetrics() {
            return new ListenerMetrics() {
                @Override
                public void processed(String topic, String groupId, long nanos) {
                    seen.processed.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
                }

                @Override
                public void failed(String topic, String groupId) {
                    seen.failed.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
                }

                @Override
                public void deadLettered(String topic, String groupId) {
                }
            };
        }

        private static String id(ConsumerRecord<?, ?> record) {
            String value = new String((byte[]) record.value());
            return value.substring(value.indexOf(":\"") + 2, value.lastIndexOf('"'));
        }
    }

    @Autowired
    Seen app;

    @Autowired
    EventTemplate events;

    @Test
    void atLeastOnceFailuresGoToTheApplicationsErrorHandler() throws Exception {
        publish("acb-least", "least-ok-1", "flaky-least", "poison-least", "least-ok-2");

        await().atMost(Duration.ofSeconds(30)).until(() -> attempts("least-ok-2") == 1
                && app.recovered.contains("poison-least"));
        assertThat(attempts("flaky-least")).isEqualTo(2);
        assertThat(attempts("poison-least")).as("the application's two deliveries, not Tributary's four")
                .isEqualTo(2);
        assertThat(app.recovered).containsExactly("poison-least");
        assertThat(app.failed.get("acb-least")).as("Tributary still counts each failed delivery").hasValue(3);
        assertThat(app.processed.get("acb-least")).hasValue(3);
    }

    @Test
    void atMostOnceFailuresAreToldToTheApplicationsHandlerButNeverRedelivered() throws Exception {
        publish("acb-most", "poison-most", "most-ok-1");

        await().atMost(Duration.ofSeconds(30)).until(() -> attempts("most-ok-1") == 1);
        assertThat(attempts("poison-most")).isEqualTo(1);
        assertThat(app.told).contains("poison-most");
        assertThat(app.recovered).doesNotContain("poison-most");
    }

    @Test
    void exactlyOnceRollbacksGoToTheApplicationsAfterRollbackProcessor() throws Exception {
        publish("acb-exact", "poison-exact", "exact-ok-1");

        await().atMost(Duration.ofSeconds(30)).until(() -> attempts("exact-ok-1") == 1);
        assertThat(attempts("poison-exact")).isEqualTo(2);
        assertThat(app.rolledBack).containsExactly("poison-exact");
    }

    @Test
    void interceptorConverterRebalanceListenerAndCustomizerOfTheApplicationRun() throws Exception {
        publish("acb-most", "plain-1");

        await().atMost(Duration.ofSeconds(30)).until(() -> attempts("plain-1") == 1);
        assertThat(app.intercepted).contains("acb-most");
        assertThat(app.conversions.get()).isPositive();
        assertThat(app.assignedTopics).contains("acb-most", "acb-least", "acb-exact");
        assertThat(app.customizedIds).contains("beans-most", "beans-least", "beans-exact");
    }

    private void publish(String topic, String... ids) throws Exception {
        for (String id : ids) {
            events.send(topic, id, new Job(id)).get();
        }
    }

    private int attempts(String id) {
        return app.attempts.getOrDefault(id, new AtomicInteger()).get();
    }
}
