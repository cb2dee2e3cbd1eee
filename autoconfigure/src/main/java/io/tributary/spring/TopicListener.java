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
 * @TopicListener(topics = "audit", delivery = Delivery.AT_MOST_ONCE)
 * void audit(AuditEntry entry, @Header(KafkaHeaders.RECEIVED_KEY) String key, ConsumerRecordMetadata meta) { ... }
 *
 * @TopicListener(batch = "true")
 * void many(List<OrderPlaced> orders) { ... }
 * }</pre>
 *
 * <p>The topic comes from {@link #topics()} or else from {@link Topic} on the event type (the element type of a
 * {@code List} or {@code ConsumerRecord} parameter). The consumer group is {@link #groupId()}, else
 * {@code spring.kafka.consumer.group-id}, else {@code spring.application.name}. Payloads are JSON by default and
 * converted to the parameter's type. The method may also ask for the key, headers, partition and offset with
 * spring-kafka's {@code @Header(KafkaHeaders.RECEIVED_KEY)}, {@code @Headers}, {@code ConsumerRecordMetadata} or a
 * {@code ConsumerRecord} parameter. This is a {@link KafkaListener}, so everything spring-kafka offers for those
 * applies.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@KafkaListener
public @interface TopicListener {

    /** Topics to listen to; empty takes the {@link Topic} of the event parameter's type. */
    @AliasFor(annotation = KafkaListener.class, attribute = "topics")
    String[] topics() default {};

    /** Consumer group; empty means {@code spring.kafka.consumer.group-id}, else {@code spring.application.name}. */
    @AliasFor(annotation = KafkaListener.class, attribute = "groupId")
    String groupId() default "";

    /** The listener container's id (also its name in the actuator endpoint); generated when empty. */
    @AliasFor(annotation = KafkaListener.class, attribute = "id")
    String id() default "";

    /** Consumer threads for this listener; empty takes {@code spring.kafka.listener.concurrency}. */
    @AliasFor(annotation = KafkaListener.class, attribute = "concurrency")
    String concurrency() default "";

    /** {@code "true"} to receive each poll's records as a {@code List}. */
    @AliasFor(annotation = KafkaListener.class, attribute = "batch")
    String batch() default "";

    /** {@code "false"} to start the listener later through the registry. */
    @AliasFor(annotation = KafkaListener.class, attribute = "autoStartup")
    String autoStartup() default "";

    /** Kafka consumer properties for this listener only, each {@code name=value}. */
    @AliasFor(annotation = KafkaListener.class, attribute = "properties")
    String[] properties() default {};

    /** Delivery semantics for this listener; {@link Delivery#DEFAULT} takes {@code tributary.delivery}. */
    Delivery delivery() default Delivery.DEFAULT;

    /** {@link DeliverySemantics} or the application's default, for use in an annotation. */
    enum Delivery {
        DEFAULT, AT_MOST_ONCE, AT_LEAST_ONCE, EXACTLY_ONCE;

        /** The semantics this stands for, or {@code fallback} for {@link #DEFAULT}. */
        public DeliverySemantics or(DeliverySemantics fallback) {
            return this == DEFAULT ? fallback : DeliverySemantics.valueOf(name());
        }
    }
}
