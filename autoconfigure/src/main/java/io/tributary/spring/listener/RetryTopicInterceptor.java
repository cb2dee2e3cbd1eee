package io.tributary.spring.listener;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.listener.SeekUtils;

/**
 * The record interceptors of a container with retry topics (Tributary's, then the application's), except that a
 * retry record thrown back because it is not due yet is no failure: they are not told of it, so it is neither
 * logged as a listener failure nor counted in {@code tributary.listener.failures}. It comes again when due.
 */
final class RetryTopicInterceptor implements RecordInterceptor<Object, Object> {
    private final RecordInterceptor<Object, Object> interceptors;

    private RetryTopicInterceptor(RecordInterceptor<Object, Object> interceptors) {
        this.interceptors = interceptors;
    }

    /** {@code interceptors} with waits left out, or null without interceptors. */
    static RecordInterceptor<Object, Object> around(RecordInterceptor<Object, Object> interceptors) {
        return interceptors == null ? null : new RetryTopicInterceptor(interceptors);
    }

    @Override
    public ConsumerRecord<Object, Object> intercept(ConsumerRecord<Object, Object> record,
                                                    Consumer<Object, Object> consumer) {
        return interceptors.intercept(record, consumer);
    }

    @Override
    public void success(ConsumerRecord<Object, Object> record, Consumer<Object, Object> consumer) {
        interceptors.success(record, consumer);
    }

    @Override
    public void failure(ConsumerRecord<Object, Object> record, Exception exception,
                        Consumer<Object, Object> consumer) {
        if (!SeekUtils.isBackoffException(exception)) {
            interceptors.failure(record, exception, consumer);
        }
    }

    @Override
    public void afterRecord(ConsumerRecord<Object, Object> record, Consumer<Object, Object> consumer) {
        interceptors.afterRecord(record, consumer);
    }

    @Override
    public void setupThreadState(Consumer<?, ?> consumer) {
        interceptors.setupThreadState(consumer);
    }

    @Override
    public void clearThreadState(Consumer<?, ?> consumer) {
        interceptors.clearThreadState(consumer);
    }
}
