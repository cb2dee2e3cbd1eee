package io.tributary.spring;

import io.tributary.spring.listener.DeliveryRuntime;
import io.tributary.spring.listener.DeliveryRuntimes;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Sends events: {@link #publish(Object)} to the topic of the event's {@link Topic}, {@link #send(String, Object,
 * Object)} to any topic. Values are JSON with their type in a header unless {@code spring.kafka.producer.value-
 * serializer} says otherwise. Each call returns the record's metadata once the broker has it, as
 * {@code tributary.delivery} requires (acks).
 *
 * <p>A send joins a Kafka transaction only when one is really open on the calling thread: that of a listener
 * running exactly-once (the send becomes visible to {@code read_committed} consumers only if the listener returns,
 * together with the commit of the consumed offset), or that of {@link #executeInTransaction(Function)}. A database
 * transaction is not a Kafka one: a send inside it is not tied to its outcome (with
 * {@code tributary.delivery=exactly-once} it commits in a Kafka transaction of its own at once). To send only if the
 * database transaction commits, publish the event with Spring's {@code ApplicationEventPublisher#publishEvent}: it
 * goes through the transactional outbox (docs/outbox.md).
 */
public final class EventTemplate {
    /** Depth of {@link #executeInTransaction} calls on this thread, so nested sends know a transaction is open. */
    private final ThreadLocal<Integer> explicitTransactions = ThreadLocal.withInitial(() -> 0);
    private final DeliveryRuntimes runtimes;
    private final Environment environment;
    private final Map<Class<?>, String> topicByType = new ConcurrentHashMap<>();

    /** A template whose {@link Topic} names resolve {@code ${...}} placeholders against {@code environment}. */
    public EventTemplate(DeliveryRuntimes runtimes, Environment environment) {
        this.runtimes = runtimes;
        this.environment = environment;
    }

    /** A template whose {@link Topic} names are taken literally. */
    public EventTemplate(DeliveryRuntimes runtimes) {
        this(runtimes, null);
    }

    /** Sends {@code event} without a key to its type's {@link Topic}. */
    public CompletableFuture<RecordMetadata> publish(Object event) {
        return publish(null, event);
    }

    /** Sends {@code event} to its type's {@link Topic}; events with the same key keep their order. */
    public CompletableFuture<RecordMetadata> publish(Object key, Object event) {
        return send(topicOf(event), key, event);
    }

    /**
     * Sends {@code event} to its type's {@link Topic} with headers (text values are sent as UTF-8, {@code byte[]} as
     * they are).
     */
    public CompletableFuture<RecordMetadata> publish(Object key, Object event, Map<String, ?> headers) {
        return send(topicOf(event), key, event, headers);
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
        CompletableFuture<SendResult<Object, Object>> sent;
        if (inTransaction()) {
            sent = runtimes.existing(DeliverySemantics.EXACTLY_ONCE).template().send(record);
        } else {
            KafkaTemplate<Object, Object> template = runtimes.runtime(runtimes.defaultSemantics()).template();
            // KafkaTemplate#send would otherwise start a Kafka transaction synchronized with whatever Spring
            // transaction is active (a JDBC one, say) and commit it after that one: a send of its own instead.
            sent = template.isTransactional()
                    ? template.executeInTransaction(operations -> operations.send(record))
                    : template.send(record);
        }
        return sent.thenApply(SendResult::getRecordMetadata);
    }

    /**
     * Runs {@code sends} in one Kafka transaction of the exactly-once producers: the records they send become
     * visible to {@code read_committed} consumers together when it returns, and none of them if it throws. Inside
     * an exactly-once listener, {@code sends} joins the listener's transaction instead.
     */
    public <T> T executeInTransaction(Function<EventTemplate, T> sends) {
        if (inTransaction()) {
            return sends.apply(this);
        }
        KafkaTemplate<Object, Object> template = runtimes.runtime(DeliverySemantics.EXACTLY_ONCE).template();
        return template.executeInTransaction(operations -> {
            explicitTransactions.set(explicitTransactions.get() + 1);
            try {
                return sends.apply(this);
            } finally {
                explicitTransactions.set(explicitTransactions.get() - 1);
            }
        });
    }

    /**
     * The topic {@code event}'s type names with {@link Topic}, {@code ${...}} placeholders resolved (e.g.
     * {@code @Topic(name = "${env}.orders")}).
     */
    public String topicOf(Object event) {
        return topicByType.computeIfAbsent(event.getClass(), type -> {
            Topic topic = AnnotatedElementUtils.findMergedAnnotation(type, Topic.class);
            if (topic == null) {
                throw new IllegalArgumentException(type.getName() + " has no @Topic: annotate it with @Topic(name ="
                        + " \"...\") or use send(topic, key, value)");
            }
            return environment == null ? topic.name() : environment.resolveRequiredPlaceholders(topic.name());
        });
    }

    /**
     * Whether a Kafka transaction of the exactly-once producers is open on this thread, which a send then joins:
     * that of an exactly-once listener, or of {@link #executeInTransaction(Function)}. A database transaction alone
     * does not count.
     */
    public boolean inTransaction() {
        DeliveryRuntime exactlyOnce = runtimes.existing(DeliverySemantics.EXACTLY_ONCE);
        if (exactlyOnce == null) {
            return false;
        }
        // The listener container's KafkaTransactionManager binds its producer under the producer factory.
        return explicitTransactions.get() > 0
                || TransactionSynchronizationManager.getResource(exactlyOnce.template().getProducerFactory()) != null;
    }
}
