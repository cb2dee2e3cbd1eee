package io.tributary.broker.metrics;

/**
 * Requests of one Kafka API a broker has answered.
 *
 * @param api            Kafka's name of the API, as in {@code ApiKeys} (PRODUCE, FETCH, METADATA, ...)
 * @param count          requests answered, errors included
 * @param errors         requests answered with a non-zero error code (top-level or for any partition)
 * @param totalTimeNanos time from the request's arrival at its handler to its response, summed
 * @param maxTimeNanos   the longest of those times
 */
public record RequestStats(String api, long count, long errors, long totalTimeNanos, long maxTimeNanos) {
}
