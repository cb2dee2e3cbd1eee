package io.tributary.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the topic an event type travels on, and declares that topic:
 *
 * <pre>{@code
 * @Topic(name = "orders", partitions = 3, configs = "retention.ms=604800000")
 * public record OrderPlaced(String orderId, long amountCents) {}
 * }</pre>
 *
 * {@link EventTemplate#publish(Object)} sends an event to its type's topic, a {@link TopicListener} whose
 * parameter is the type receives from it, and Spring's {@code ApplicationEventPublisher#publishEvent} forwards
 * such events to it too. Types annotated with {@code @Topic} in the application's packages have their topic
 * created at startup when it does not exist yet.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Topic {

    /** The topic name. */
    String name();

    /** Partitions when the topic is created; -1 takes the cluster's {@code num.partitions}. */
    int partitions() default -1;

    /** Replication factor when the topic is created; -1 takes the cluster's default. */
    short replicas() default -1;

    /** Topic configs when the topic is created, each {@code name=value} (e.g. {@code cleanup.policy=compact}). */
    String[] configs() default {};
}
