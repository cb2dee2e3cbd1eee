package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;

/**
 * Gives the container of a {@code @TopicListener(retryTopics = true)} its retry topics. The container already
 * subscribes to each topic and its retry topic ({@link RetryTopicEndpoints}); here it gets:
 * <ul>
 * <li>the {@link RetryTopicListener} in front of the listener method;</li>
 * <li>for at-least-once an error handler, for exactly-once an after-rollback processor, that forward each failed
 * delivery at once with a {@link RetryTopicForwarder} ({@link FailurePolicy});</li>
 * <li>its record interceptors, told of failures but not of records waiting for their due time
 * ({@link RetryTopicInterceptor});</li>
 * <li>with {@code keepKeyOrder}, a {@link RetryTopicKeyOrder} rebuilt from the retry partitions' backlog
 * ({@link RetryTopicBacklog}) on every assignment.</li>
 * </ul>
 */
final class RetryTopicContainers {
    /** Longest read of one retry partition's backlog on assignment; well within max.poll.interval.ms (5 min). */
    private static final Duration BACKLOG_TIMEOUT = Duration.ofSeconds(30);

    private final DeliverySemantics semantics;
    private final KafkaTemplate<Object, Object> template;
    private final ConsumerFactory<Object, Object> consumers;
    private final FailurePolicy failures;
    private final RetryTopicPauses pauses;
    private final Clock clock;

    RetryTopicContainers(DeliverySemantics semantics, KafkaTemplate<Object, Object> template,
                         ConsumerFactory<Object, Object> consumers, FailurePolicy failures, RetryTopicPauses pauses,
                         Clock clock) {
        this.semantics = semantics;
        this.template = template;
        this.consumers = consumers;
        this.failures = failures;
        this.pauses = pauses;
        this.clock = clock;
    }

    @SuppressWarnings("unchecked")
    void configure(ConcurrentMessageListenerContainer<Object, Object> container,
                   TopicListenerEnhancer.ListenerEndpoint endpoint) {
        ListenerRetry retry = endpoint.retry();
        RetryTopicNames topics = RetryTopicNames.of(endpoint.topics(), container.getGroupId(),
                failures.deadLetterSuffix());
        String[] subscribed = container.getContainerProperties().getTopics();
        if (subscribed == null || !Arrays.asList(subscribed).containsAll(topics.retryByTopic().values())) {
            throw new IllegalStateException("@TopicListener method " + endpoint.method() + " retries through "
                    + topics.retryByTopic().values() + " but its container subscribes to " + Arrays.toString(subscribed)
                    + ", so its consumer group '" + container.getGroupId() + "' resolved differently than its"
                    + " groupId attribute. Give the listener a groupId without SpEL.");
        }
        if (!(container.getContainerProperties().getMessageListener() instanceof MessageListener<?, ?> listener)) {
            throw new IllegalStateException("@TopicListener method " + endpoint.method() + " is not a record"
                    + " listener, which retry topics need. Remove retryTopics, or receive one record at a time.");
        }
        RetryTopicKeyOrder keyOrder = retry.keepKeyOrder() ? new RetryTopicKeyOrder() : null;
        var forwarder = new RetryTopicForwarder(template, topics, failures.retryTopicSchedule(retry), keyOrder,
                failures.metrics(), clock);
        if (semantics == DeliverySemantics.EXACTLY_ONCE) {
            container.setAfterRollbackProcessor(failures.retryTopicAfterRollbackProcessor(forwarder, template));
        } else {
            container.setCommonErrorHandler(failures.retryTopicErrorHandler(forwarder));
        }
        RetryTopicBacklog backlog = keyOrder == null ? null
                : new RetryTopicBacklog(consumers, topics, BACKLOG_TIMEOUT, clock);
        container.setupMessageListener(new RetryTopicListener((MessageListener<Object, Object>) listener, container,
                topics, forwarder, keyOrder, backlog, pauses, clock));
        container.setRecordInterceptor(RetryTopicInterceptor.around(container.getRecordInterceptor()));
    }
}
