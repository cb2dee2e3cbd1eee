package io.tributary.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * Marks a bean method as a listener for events on a topic, in the style of {@code @EventListener}: the
 * parameter type says which event the method receives.
 *
 * <pre>{@code
 * @TopicListener
 * void bill(OrderPlaced order) { ... }                       // topic from @Topic on OrderPlaced
 *
 * @TopicListener(topics = "${app.env}.audit", delivery = DeliverySemantics.AT_MOST_ONCE)
 * void audit(AuditEntry entry, @Header(KafkaHeaders.RECEIVED_KEY) String key, ConsumerRecordMetadata meta) { ... }
 *
 * @TopicListener(batch = true)
 * void many(List<OrderPlaced> orders) { ... }
 *
 * @TopicListener(retries = 5, backoff = "500ms", maxBackoff = "10s", retryTopics = true, keepKeyOrder = true)
 * void ship(OrderPlaced order) { ... }
 * }</pre>
 *
 * <p>The topic comes from {@link #topics()} or else from {@link Topic} on the event type (the element type of a
 * {@code List} or {@code ConsumerRecord} parameter); both may use {@code ${...}} placeholders. The consumer group is
 * {@link #groupId()}, else {@code spring.kafka.consumer.group-id}, else the application's name. Payloads are JSON by
 * default and converted to the parameter's type. The method may also ask for the key, headers, partition and offset
 * with spring-kafka's {@code @Header(KafkaHeaders.RECEIVED_KEY)}, {@code @Headers}, {@code ConsumerRecordMetadata}
 * or a {@code ConsumerRecord} parameter. This is a {@link KafkaListener}, so everything spring-kafka offers for those
 * applies.
 *
 * <p>Retry settings of a listener can also be set, and are overridden, by {@code tributary.listeners.<id>.*}
 * (configuration wins over code, as everywhere in Spring Boot).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@KafkaListener
public @interface TopicListener {

    /** Topics to listen to, {@code ${...}} resolved; empty takes the {@link Topic} of the event parameter's type. */
    @AliasFor(annotation = KafkaListener.class, attribute = "topics")
    String[] topics() default {};

    /** Consumer group; empty means {@code spring.kafka.consumer.group-id}, else the application's name. */
    @AliasFor(annotation = KafkaListener.class, attribute = "groupId")
    String groupId() default "";

    /**
     * The listener's id: its container's name in the registry and the actuator, and its key in
     * {@code tributary.listeners.<id>.*}. Empty generates one from the class and method names in kebab case, e.g.
     * {@code billing-bill} for {@code Billing#bill}.
     */
    @AliasFor(annotation = KafkaListener.class, attribute = "id")
    String id() default "";

    /** Consumer threads for this listener; empty takes {@code spring.kafka.listener.concurrency}. */
    @AliasFor(annotation = KafkaListener.class, attribute = "concurrency")
    String concurrency() default "";

    /** Receive each poll's records as a {@code List}. */
    boolean batch() default false;

    /** {@code "false"} to start the listener later through the registry. */
    @AliasFor(annotation = KafkaListener.class, attribute = "autoStartup")
    String autoStartup() default "";

    /** Kafka consumer properties for this listener only, each {@code name=value}. */
    @AliasFor(annotation = KafkaListener.class, attribute = "properties")
    String[] properties() default {};

    /**
     * Delivery semantics for this listener: at most one value; empty takes {@code tributary.delivery}. Not allowed
     * together with {@link #containerFactory()}, whose factory decides how records are delivered.
     */
    DeliverySemantics[] delivery() default {};

    /**
     * Bean name of a {@code KafkaListenerContainerFactory} to run this listener instead of the one of its delivery
     * semantics; that factory then decides commits, retries and dead letters.
     */
    @AliasFor(annotation = KafkaListener.class, attribute = "containerFactory")
    String containerFactory() default "";

    /** Bean name of a {@code KafkaListenerErrorHandler} called when the method throws. */
    @AliasFor(annotation = KafkaListener.class, attribute = "errorHandler")
    String errorHandler() default "";

    /** Bean name of a {@code RecordFilterStrategy}: records it filters out never reach the method. */
    @AliasFor(annotation = KafkaListener.class, attribute = "filter")
    String filter() default "";

    /**
     * Redeliveries of a failing record after its first delivery, before it goes to the dead-letter topic; -1 takes
     * {@code tributary.listener.max-attempts}. Not for at-most-once listeners, which never redeliver.
     */
    int retries() default -1;

    /**
     * Back-off before the first redelivery, e.g. {@code 500ms} or {@code 2s} ({@code ${...}} resolved); it doubles
     * up to {@link #maxBackoff()}. Empty takes {@code tributary.listener.backoff}.
     */
    String backoff() default "";

    /** Longest back-off between redeliveries, e.g. {@code 10s}; empty takes {@code tributary.listener.max-backoff}. */
    String maxBackoff() default "";

    /**
     * Retry through retry topics, so that a failing record does not hold up the records behind it (non-blocking),
     * instead of redelivering it in place.
     */
    boolean retryTopics() default false;

    /**
     * With {@link #retryTopics()}: later records with the key of a record being retried wait behind it, so records of
     * one key are still handled in order.
     */
    boolean keepKeyOrder() default false;
}
