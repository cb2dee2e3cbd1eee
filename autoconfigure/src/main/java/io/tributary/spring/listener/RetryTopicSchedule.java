package io.tributary.spring.listener;

import java.time.Duration;

/**
 * When a listener with retry topics delivers a failing record again: attempt 1 is its delivery from the
 * listened-to topic, attempts 2 to {@code maxAttempts} come from the retry topic, each after a back-off that starts
 * at {@code backoff} and doubles up to {@code maxBackoff} (the blocking retries' schedule, measured from each
 * failure); a record that fails attempt {@code maxAttempts} goes to the dead-letter topic.
 *
 * @param maxAttempts deliveries in total, at least 1
 * @param backoff     back-off before attempt 2
 * @param maxBackoff  longest back-off
 */
record RetryTopicSchedule(int maxAttempts, Duration backoff, Duration maxBackoff) {

    /** Whether a record that failed {@code attempt} gets another one. */
    boolean retries(int attempt) {
        return attempt < maxAttempts;
    }

    /** The back-off between a failure of {@code attempt - 1} and {@code attempt} (2 or more). */
    Duration backoffBefore(int attempt) {
        double millis = backoff.toMillis() * Math.pow(2, Math.max(attempt - 2, 0));
        return Duration.ofMillis((long) Math.min(millis, maxBackoff.toMillis()));
    }
}
