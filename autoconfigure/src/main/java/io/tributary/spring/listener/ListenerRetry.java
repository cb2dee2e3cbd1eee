package io.tributary.spring.listener;

import java.time.Duration;

/**
 * How one listener retries a failing record, from {@code @TopicListener(retries, backoff, ...)} or
 * {@code tributary.listeners.<id>.*}; a null component takes the application's {@code tributary.listener.*}.
 *
 * @param maxAttempts deliveries of a failing record before it goes to the dead-letter topic
 * @param backoff     back-off before the first redelivery (doubling up to {@code maxBackoff})
 * @param maxBackoff  longest back-off
 * @param retryTopics retry through retry topics (non-blocking) instead of redelivering in place
 * @param keepKeyOrder with retry topics: later records of a key whose record is being retried wait behind it
 */
public record ListenerRetry(Integer maxAttempts, Duration backoff, Duration maxBackoff, boolean retryTopics,
                            boolean keepKeyOrder) {

    /** Nothing set for this listener: the application's settings apply. */
    public static final ListenerRetry DEFAULTS = new ListenerRetry(null, null, null, false, false);
}
