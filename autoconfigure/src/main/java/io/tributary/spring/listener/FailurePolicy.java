package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.TributaryProperties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.AfterRollbackProcessor;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultAfterRollbackProcessor;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.ExponentialBackOffWithMaxRetries;
import org.springframework.util.backoff.FixedBackOff;

/**
 * What a listener container does with a record whose listener threw, per semantics, composed with the
 * application's own handler:
 * <ul>
 * <li>at-most-once: log and move on ({@link AtMostOnceErrorHandler}, which tells the application's handler);</li>
 * <li>at-least-once: the application's {@link CommonErrorHandler} if it has one, else redelivery with back-off and
 * then the dead-letter topic;</li>
 * <li>exactly-once: the application's {@link AfterRollbackProcessor} if it has one, else the same redelivery,
 * with the dead-letter send in the transaction that commits the offset. The application's
 * {@link CommonErrorHandler} is not used there: it would handle the failure inside the transaction, which then
 * commits instead of rolling back.</li>
 * </ul>
 * A listener's own retry settings ({@link ListenerRetry}) are the most specific choice and win over the
 * application's handler; their null components take {@code tributary.listener.*}. A listener with retry topics
 * gets the same handler or processor with no redelivery in place: its recoverer, a {@link RetryTopicForwarder},
 * moves each failed record on at once (see docs/retries.md).
 */
final class FailurePolicy {
    private final TributaryProperties.Listener defaults;
    private final ListenerMetrics metrics;
    private final ApplicationContainerBeans application;

    FailurePolicy(TributaryProperties.Listener defaults, ListenerMetrics metrics,
                  ApplicationContainerBeans application) {
        this.defaults = defaults;
        this.metrics = metrics;
        this.application = application;
    }

    /**
     * The container's error handler; none for exactly-once, where a handler would run inside the transaction and
     * keep it from rolling back: there the after-rollback processor decides.
     */
    CommonErrorHandler errorHandler(DeliverySemantics semantics, KafkaTemplate<Object, Object> template,
                                    ListenerRetry retry) {
        return switch (semantics) {
            case AT_MOST_ONCE -> new AtMostOnceErrorHandler(application.errorHandler());
            case AT_LEAST_ONCE -> application.errorHandler() != null && !isSet(retry) ? application.errorHandler()
                    : new DefaultErrorHandler(deadLetters(template), backOff(retry));
            case EXACTLY_ONCE -> null;
        };
    }

    /** The exactly-once container's after-rollback processor. */
    AfterRollbackProcessor<Object, Object> afterRollbackProcessor(KafkaTemplate<Object, Object> template,
                                                                  ListenerRetry retry) {
        if (application.afterRollbackProcessor() != null && !isSet(retry)) {
            return application.afterRollbackProcessor();
        }
        // After a rollback the record is redelivered with back-off; the dead-letter send and the offset commit of
        // a record that still fails run in one transaction.
        return new DefaultAfterRollbackProcessor<>(deadLetters(template), backOff(retry), template, true);
    }

    /**
     * The error handler of an at-least-once listener with retry topics: the first failure of each delivery goes to
     * {@code forwarder}, and the offset moves on once it has forwarded the record.
     */
    CommonErrorHandler retryTopicErrorHandler(ConsumerAwareRecordRecoverer forwarder) {
        return new DefaultErrorHandler(forwarder, new FixedBackOff(0, 0));
    }

    /**
     * The after-rollback processor of an exactly-once listener with retry topics: after the failed attempt's
     * transaction rolled back, the forward and the offset commit run in one new transaction.
     */
    AfterRollbackProcessor<Object, Object> retryTopicAfterRollbackProcessor(ConsumerAwareRecordRecoverer forwarder,
                                                                            KafkaTemplate<Object, Object> template) {
        return new DefaultAfterRollbackProcessor<>(forwarder, new FixedBackOff(0, 0), template, true);
    }

    /** When a listener with retry topics delivers a failing record again. */
    RetryTopicSchedule retryTopicSchedule(ListenerRetry retry) {
        ListenerRetry own = retry == null ? ListenerRetry.DEFAULTS : retry;
        return new RetryTopicSchedule(own.maxAttempts() != null ? own.maxAttempts() : defaults.getMaxAttempts(),
                own.backoff() != null ? own.backoff() : defaults.getBackoff(),
                own.maxBackoff() != null ? own.maxBackoff() : defaults.getMaxBackoff());
    }

    String deadLetterSuffix() {
        return defaults.getDeadLetterSuffix();
    }

    ListenerMetrics metrics() {
        return metrics;
    }

    /** Whether a listener set any retry setting of its own. */
    static boolean isSet(ListenerRetry retry) {
        return retry != null && (retry.maxAttempts() != null || retry.backoff() != null
                || retry.maxBackoff() != null);
    }

    private ExponentialBackOffWithMaxRetries backOff(ListenerRetry retry) {
        ListenerRetry own = retry == null ? ListenerRetry.DEFAULTS : retry;
        int attempts = own.maxAttempts() != null ? own.maxAttempts() : defaults.getMaxAttempts();
        var backOff = new ExponentialBackOffWithMaxRetries(Math.max(attempts - 1, 0));
        backOff.setInitialInterval((own.backoff() != null ? own.backoff() : defaults.getBackoff()).toMillis());
        backOff.setMultiplier(2.0);
        backOff.setMaxInterval((own.maxBackoff() != null ? own.maxBackoff() : defaults.getMaxBackoff()).toMillis());
        return backOff;
    }

    /**
     * Sends a record that failed its last delivery to {@code <topic><suffix>}, letting the producer pick the
     * partition (the dead-letter topic need not have as many partitions), with the failure in Spring Kafka's
     * {@code kafka_dlt-*} headers.
     */
    private ConsumerAwareRecordRecoverer deadLetters(KafkaTemplate<Object, Object> template) {
        String suffix = defaults.getDeadLetterSuffix();
        var publisher = new DeadLetterPublishingRecoverer(template,
                (ConsumerRecord<?, ?> record, Exception e) -> new TopicPartition(record.topic() + suffix, -1));
        return (ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception e) -> {
            publisher.accept(record, consumer, e);
            metrics.deadLettered(record.topic(), consumer == null ? "" : consumer.groupMetadata().groupId());
        };
    }
}
