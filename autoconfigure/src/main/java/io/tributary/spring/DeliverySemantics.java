package io.tributary.spring;

/**
 * How often a listener may see a record, set for the whole application with {@code tributary.delivery} and per
 * listener with {@link TopicListener#delivery()}. Each value sets the producer, the consumer and the listener
 * container together; see docs/delivery-semantics.md for exactly what each one guarantees.
 */
public enum DeliverySemantics {
    /**
     * The offset is committed before the listener runs; a listener failure or a crash loses the record, never
     * repeats it. Producers send with {@code acks=1} and no retries.
     */
    AT_MOST_ONCE,
    /**
     * The offset is committed after the listener returns; a failure is retried with back-off and the record then
     * goes to the dead-letter topic {@code <topic>.DLT}. A crash can repeat records, never lose them. Producers
     * send with {@code acks=all} and idempotence.
     */
    AT_LEAST_ONCE,
    /**
     * The listener runs in a Kafka transaction: what it sends through {@link EventTemplate} and the consumed
     * offset commit or abort together, and consumers read only committed records ({@code read_committed}).
     */
    EXACTLY_ONCE;

    /** The property value, e.g. {@code at-least-once}. */
    public String value() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
