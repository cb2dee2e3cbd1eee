package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * Gives the container of a {@code @TopicListener} with retry settings of its own
 * ({@code @TopicListener(retries, backoff)} or {@code tributary.listeners.<id>.*}) an error handler, or for
 * exactly-once an after-rollback processor, with those settings, and the container of a listener with
 * {@code retryTopics} its retry topics ({@link RetryTopicContainers}); containers of other listeners keep the
 * factory's.
 */
final class ListenerRetryCustomizer
        implements ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> {
    private final DeliverySemantics semantics;
    private final KafkaTemplate<Object, Object> template;
    private final FailurePolicy failures;
    private final Supplier<List<TopicListenerEnhancer.ListenerEndpoint>> endpoints;
    private final RetryTopicContainers retryTopics;

    ListenerRetryCustomizer(DeliverySemantics semantics, KafkaTemplate<Object, Object> template,
                            ConsumerFactory<Object, Object> consumers, FailurePolicy failures,
                            Supplier<List<TopicListenerEnhancer.ListenerEndpoint>> endpoints) {
        this.semantics = semantics;
        this.template = template;
        this.failures = failures;
        this.endpoints = endpoints;
        Clock clock = Clock.systemUTC();
        this.retryTopics = new RetryTopicContainers(semantics, template, consumers, failures,
                new RetryTopicPauses(RetryTopicPauses.daemonScheduler(), clock), clock);
    }

    @Override
    public void configure(ConcurrentMessageListenerContainer<Object, Object> container) {
        String id = container.getListenerId();
        TopicListenerEnhancer.ListenerEndpoint endpoint = endpoints.get().stream()
                .filter(candidate -> id != null && id.equals(candidate.id()))
                .findFirst().orElse(null);
        ListenerRetry retry = endpoint == null ? null : endpoint.retry();
        if (semantics == DeliverySemantics.AT_MOST_ONCE) {
            return;
        }
        if (retry != null && retry.retryTopics()) {
            retryTopics.configure(container, endpoint);
        } else if (FailurePolicy.isSet(retry)) {
            if (semantics == DeliverySemantics.EXACTLY_ONCE) {
                container.setAfterRollbackProcessor(failures.afterRollbackProcessor(template, retry));
            } else {
                container.setCommonErrorHandler(failures.errorHandler(semantics, template, retry));
            }
        }
    }
}
