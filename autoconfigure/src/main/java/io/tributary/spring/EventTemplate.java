package io.tributary.spring;

import io.tributary.spring.listener.DeliveryRuntime;
import io.tributary.spring.listener.DeliveryRuntimes;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Sends events: {@link #publish(Object)} to the topic of the event's {@link Topic}, {@link #send(String, Object,
 * Object)} to any topic. Values are JSON with their type in a header unless {@code spring.kafka.producer.value-
 * serializer} says otherwise. Each call returns the record's metadata once the broker has it, as
 * {@code tributary.delivery} requires (acks).
 *
 * <p>Called from a listener that runs exactly-once, a send joins the listener's transaction: it becomes visible
 * to {@code read_committed} consumers only if the listener returns, together with the commit of the consumed
 * offset. With {@code tributary.delivery=exactly-once}, a send outside any listener runs in a transaction of its
 * own.
 */
public final class EventTemplate {
    private final DeliveryRuntimes runtimes;
    private final Map<Class<?>, String> topicByType = new ConcurrentHashMap<>();

    public EventTemplate(DeliveryRuntimes runtimes) {
        this.runtimes = runtimes;
    }

    /** Sends {@code event} without a key to its type's {@link Topic}. */
    public CompletableFuture<RecordMetadata> publish(Object event) {
        return publish(null, event);
    }

    /** Sends {@code event} to its type's {@link Topic}; events with the same key keep their order. */
    public CompletableFuture<RecordMetadata> publish(Object key, Object event) {
        return send(topicOf(event), key, event);
    }

    /** Sends a record to {@code topic}. */
    public CompletableFuture<RecordMetadata> send(String topic, Object key, Object value) {
        return send(new ProducerRecord<>(topic, key, value));
    }

    /** Sends a record with headers (text values are sent as UTF-8, {@code byte[]} as they are). */
    public CompletableFuture<RecordMetadata> send(String topic, Object key, Object value, Map<String, ?> headers) {
        var record = new ProducerRecord<Object, Object>(topic, key, value);
        headers.forEach((name, headerValue) -> record.headers().add(name, headerValue instanceof byte[] bytes
                ? bytes : String.valueOf(headerValue).getBytes(StandardCharsets.UTF_8)));
        return send(record);
    }

    /** Sends a prepared record. */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<Object, Object> record) {
        KafkaTemplate<Object, Object> template = template();
        CompletableFuture<SendResult<Object, Object>> sent = template.isTransactional() && !template.inTransaction()
                ? template.executeInTransaction(operations -> operations.send(record))
                : template.send(record);
        return sent.thenApply(SendResult::getRecordMetadata);
    }

    /** The topic {@code event}'s type names with {@link Topic}. */
    public String topicOf(Object event) {
        return topicByType.computeIfAbsent(event.getClass(), type -> {
            Topic topic = AnnotatedElementUtils.findMergedAnnotation(type, Topic.class);
            if (topic == null) {
                throw new IllegalArgumentException(type.getName() + " has no @Topic: annotate it with @Topic(name ="
                        + " \"...\") or use send(topic, key, value)");
            }
            return topic.name();
        });
    }

    /** Whether a send now joins the Kafka transaction of an exactly-once listener running on this thread. */
    public boolean inTransaction() {
        DeliveryRuntime exactlyOnce = runtimes.existing(DeliverySemantics.EXACTLY_ONCE);
        return exactlyOnce != null && exactlyOnce.template().inTransaction();
    }

    /**
     * The exactly-once template when a listener's transaction is open on this thread, so the send joins it;
     * otherwise the template of the application's default semantics.
     */
    private KafkaTemplate<Object, Object> template() {
        if (inTransaction()) {
            return runtimes.existing(DeliverySemantics.EXACTLY_ONCE).template();
        }
        return runtimes.runtime(runtimes.defaultSemantics()).template();
    }
}
