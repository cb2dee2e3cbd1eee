package io.tributary.spring.listener;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ExceptionClassifier;
import org.springframework.kafka.listener.SeekUtils;
import org.springframework.kafka.support.KafkaUtils;

/**
 * Moves the records of one listener with retry topics on: a record whose delivery failed goes to the retry topic,
 * due after its back-off ({@link RetryTopicSchedule}), or, after its last attempt or when its failure is one that no
 * retry can fix (a record that cannot be converted, spring-kafka's fatal exceptions), to the dead-letter topic; a
 * held record ({@code keepKeyOrder}) goes to the retry topic as it is. Each lands on the partition number it came
 * from. Forwards are sent with the semantics' template and awaited: exactly-once sends them in the transaction that
 * commits the consumed offset, at-least-once commits that offset after the send succeeded.
 *
 * <p>As the error handler's recoverer it refuses a record that is only waiting for its due time (the
 * {@code KafkaBackoffException} of {@link RetryTopicListener}): rethrowing makes the error handler seek it back
 * instead of counting a failure.
 */
final class RetryTopicForwarder implements ConsumerAwareRecordRecoverer {
    private static final List<Class<? extends Throwable>> FATAL = ExceptionClassifier.defaultFatalExceptionsList();
    /** Beyond the producer's own bound on a send (delivery.timeout.ms), as spring-kafka's dead-letter recoverer. */
    private static final Duration SEND_TIMEOUT_BUFFER = Duration.ofSeconds(10);

    private final KafkaOperations<Object, Object> template;
    private final RetryTopicNames topics;
    private final RetryTopicSchedule schedule;
    private final RetryTopicKeyOrder keyOrder;
    private final ListenerMetrics metrics;
    private final Clock clock;
    private final DeadLetterPublishingRecoverer publisher;
    private final Duration sendTimeout;

    /** @param keyOrder the listener's key order, or null without {@code keepKeyOrder} */
    RetryTopicForwarder(KafkaOperations<Object, Object> template, RetryTopicNames topics, RetryTopicSchedule schedule,
                        RetryTopicKeyOrder keyOrder, ListenerMetrics metrics, Clock clock) {
        this.template = template;
        this.topics = topics;
        this.schedule = schedule;
        this.keyOrder = keyOrder;
        this.metrics = metrics;
        this.clock = clock;
        this.publisher = new DeadLetterPublishingRecoverer(template, this::destination);
        // Keep the headers of the record's first consumption, so the dead letter names where it started.
        this.publisher.setAppendOriginalHeaders(false);
        this.publisher.setHeadersFunction((record, exception) -> retries(record, exception)
                ? new RecordHeaders(List.of(RetryTopicHeaders.attempt(RetryTopicHeaders.attempt(record) + 1),
                        RetryTopicHeaders.due(dueMs(record))))
                : null);
        Object deliveryTimeout = template.getProducerFactory().getConfigurationProperties()
                .get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
        this.sendTimeout = Duration.ofMillis(deliveryTimeout == null ? 120_000
                : Long.parseLong(deliveryTimeout.toString())).plus(SEND_TIMEOUT_BUFFER);
    }

    /** Forwards a record whose delivery failed, to the retry topic or the dead-letter topic. */
    @Override
    public void accept(ConsumerRecord<?, ?> failed, Consumer<?, ?> consumer, Exception exception) {
        if (SeekUtils.isBackoffException(exception)) {
            throw (RuntimeException) exception;
        }
        ConsumerRecord<?, ?> record = topics.isRetryTopic(failed.topic()) ? failed
                : RetryTopicHeaders.firstLife(failed);
        boolean retried = retries(record, exception);
        publisher.accept(record, consumer, exception);
        TopicPartition partition = partitionOf(record);
        if (keyOrder != null && topics.isRetryTopic(record.topic())) {
            keyOrder.resolved(partition, record.key(), RetryTopicHeaders.originalOffset(record));
        }
        if (retried) {
            if (keyOrder != null) {
                keyOrder.forwarded(partition, record.key(), RetryTopicHeaders.originalOffset(record));
            }
        } else {
            metrics.deadLettered(partition.topic(), consumer == null ? "" : consumer.groupMetadata().groupId());
        }
    }

    /**
     * Forwards {@code record} to the retry topic without delivering it, behind the record of its key that is
     * there ({@code keepKeyOrder}). A held record of the retry topic keeps its attempt and due time.
     */
    void hold(ConsumerRecord<?, ?> held) {
        ConsumerRecord<?, ?> record = topics.isRetryTopic(held.topic()) ? held : RetryTopicHeaders.firstLife(held);
        var headers = new RecordHeaders(record.headers().toArray());
        RetryTopicHeaders.addHeld(headers, record, clock.millis());
        var forward = new ProducerRecord<Object, Object>(topics.retryTopicOf(record.topic()), record.partition(),
                record.key(), record.value(), headers);
        try {
            template.send(forward).get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while holding " + KafkaUtils.format(record), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("Could not hold " + KafkaUtils.format(record) + " in "
                    + forward.topic(), e);
        }
        if (!topics.isRetryTopic(record.topic())) {
            keyOrder.forwarded(partitionOf(record), record.key(), record.offset());
        }
    }

    /** Whether {@code record}, which failed with {@code exception}, goes to the retry topic. */
    private boolean retries(ConsumerRecord<?, ?> record, Exception exception) {
        return schedule.retries(RetryTopicHeaders.attempt(record)) && !isFatal(exception);
    }

    private TopicPartition destination(ConsumerRecord<?, ?> record, Exception exception) {
        return retries(record, exception)
                ? new TopicPartition(topics.retryTopicOf(record.topic()), record.partition())
                : new TopicPartition(topics.deadLetterTopicOf(record.topic()), -1);
    }

    private long dueMs(ConsumerRecord<?, ?> record) {
        return clock.millis() + schedule.backoffBefore(RetryTopicHeaders.attempt(record) + 1).toMillis();
    }

    /** Partition p of the listened-to topic, which stands for p of the retry topic too. */
    private TopicPartition partitionOf(ConsumerRecord<?, ?> record) {
        return new TopicPartition(topics.mainTopic(record.topic()), record.partition());
    }

    private static boolean isFatal(Throwable exception) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            Throwable current = cause;
            if (FATAL.stream().anyMatch(type -> type.isInstance(current))) {
                return true;
            }
        }
        return false;
    }
}
