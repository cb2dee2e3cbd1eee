package io.tributary.spring.outbox;

/**
 * Where {@link ApplicationEventForwarder} hands an event that is not part of a Kafka transaction: it records the
 * event (in the database transaction, for the JDBC outbox) and has it sent once that transaction commits, or at
 * once outside any transaction, retrying until the broker acknowledges it.
 */
interface Outbox {

    /** Records {@code event}, bound for {@code topic}, and sends it after the current transaction commits. */
    void publish(String topic, Object event);
}
