package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.identity.ApplicationIdentity;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.kafka.annotation.KafkaListenerAnnotationBeanPostProcessor.AnnotationEnhancer;
import org.springframework.kafka.listener.adapter.ConsumerRecordMetadata;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Headers;
import org.springframework.messaging.handler.annotation.Payload;

/**
 * Completes each {@link TopicListener} before spring-kafka builds its container: an id when it has none, the topic
 * from the event parameter's {@link Topic} ({@code ${...}} resolved), the group id from the application's name, the
 * container factory of the listener's delivery semantics, and its {@link ListenerRetry}; with retry topics, their
 * subscriptions and declarations ({@link RetryTopicEndpoints}). Plain {@code @KafkaListener} methods pass through
 * untouched.
 *
 * <p>Two listeners that would share a topic in one consumer group fail startup: each would silently get only part
 * of the events, which is never what an {@code @EventListener}-style method means.
 */
public final class TopicListenerEnhancer implements AnnotationEnhancer {
    private static final Set<Class<?>> FRAMEWORK_PARAMETERS = Set.of(ConsumerRecordMetadata.class,
            Acknowledgment.class, Consumer.class, ConsumerRecords.class);

    private final Environment environment;
    private final List<ListenerEndpoint> endpoints = new ArrayList<>();
    private final Map<String, String> listenerByTopicAndGroup = new HashMap<>();
    private final Map<String, Topic> declarations = new HashMap<>();
    private final ListenerIds ids = new ListenerIds();
    private final ListenerRetries retries;

    /**
     * One enhanced listener: where it listens, in which group, with which semantics (for a listener with a container
     * factory of its own, which decides delivery itself, the application's) and how it retries.
     */
    public record ListenerEndpoint(String method, String id, List<String> topics, String groupId,
                                   DeliverySemantics semantics, ListenerRetry retry) {
    }

    public TopicListenerEnhancer(Environment environment) {
        this.environment = environment;
        this.retries = new ListenerRetries(environment);
    }

    /** The container factory bean that runs listeners of {@code semantics}. */
    public static String containerFactoryBeanName(DeliverySemantics semantics) {
        return switch (semantics) {
            case AT_MOST_ONCE -> "tributaryAtMostOnceListenerContainerFactory";
            case AT_LEAST_ONCE -> "tributaryAtLeastOnceListenerContainerFactory";
            case EXACTLY_ONCE -> "tributaryExactlyOnceListenerContainerFactory";
        };
    }

    @Override
    public synchronized Map<String, Object> apply(Map<String, Object> attributes, AnnotatedElement element) {
        if (!(element instanceof Method method)) {
            return attributes;
        }
        TopicListener listener = AnnotatedElementUtils.findMergedAnnotation(method, TopicListener.class);
        if (listener == null) {
            return attributes;
        }
        String name = method.getDeclaringClass().getName() + "#" + method.getName();
        Map<String, Object> enhanced = new LinkedHashMap<>(attributes);
        boolean ownFactory = !isEmpty(attributes.get("containerFactory"));
        DeliverySemantics semantics = semantics(listener, ownFactory, name);
        String id = ids.idOf(environment.resolveRequiredPlaceholders((String) attributes.get("id")), method);
        enhanced.put("id", id);
        List<String> topics = topics(attributes, method, name);
        if (!topics.isEmpty()) {
            enhanced.put("topics", topics.toArray(String[]::new));
        }
        String groupId = (String) attributes.get("groupId");
        if (groupId == null || groupId.isEmpty()) {
            // Only a listener without a group of its own needs the application's name (which may fail to resolve).
            groupId = environment.containsProperty("spring.kafka.consumer.group-id")
                    ? environment.getProperty("spring.kafka.consumer.group-id")
                    : ApplicationIdentity.applicationName(environment);
            enhanced.put("groupId", groupId);
        }
        if (!ownFactory) {
            enhanced.put("containerFactory", containerFactoryBeanName(semantics));
        }
        if (listener.batch()) {
            enhanced.put("batch", "true");
        }
        ListenerRetry retry = retries.retry(id, listener, ownFactory ? null : semantics, name);
        if (ownFactory && !retry.equals(ListenerRetry.DEFAULTS)) {
            throw new IllegalStateException("@TopicListener method " + name + " has containerFactory = \""
                    + attributes.get("containerFactory") + "\" and retry settings (retries, backoff, retryTopics or"
                    + " tributary.listeners." + id + ".*), which that factory's error handler decides. Configure"
                    + " retries on your factory, or remove containerFactory.");
        }
        String[] properties = (String[]) attributes.get("properties");
        String retryGroup = retry.retryTopics() || retry.keepKeyOrder() ? environment.resolvePlaceholders(groupId)
                : null;
        if (retryGroup != null) {
            boolean batch = listener.batch()
                    || "batch".equalsIgnoreCase(environment.getProperty("spring.kafka.listener.type"));
            RetryTopicEndpoints.check(listener, retry, topics, retryGroup, batch, properties, id, name);
        }
        if (retry.retryTopics()) {
            enhanced.put("topics", RetryTopicEndpoints.subscriptions(topics, retryGroup));
            if (retry.keepKeyOrder()) {
                enhanced.put("properties", RetryTopicEndpoints.keyOrderProperties(properties));
            }
        }
        if (!ownFactory) {
            checkProperties((String[]) attributes.get("properties"), semantics, name);
        }
        checkRawRecordValue(method, name);
        for (String topic : topics) {
            String previous = listenerByTopicAndGroup.putIfAbsent(topic + "\u0000" + groupId, name);
            if (previous != null && !previous.equals(name)) {
                throw new IllegalStateException("@TopicListener methods " + previous + " and " + name
                        + " both listen to topic '" + topic + "' in consumer group '" + groupId + "', so each would"
                        + " get only part of its events. Give one of them its own groupId (@TopicListener(groupId"
                        + " = \"...\")) so that both receive every event.");
            }
        }
        Class<?> eventType = eventType(method);
        Topic declared = eventType == null ? null : AnnotatedElementUtils.findMergedAnnotation(eventType, Topic.class);
        if (declared != null && topics.contains(topicName(declared))) {
            declarations.putIfAbsent(topicName(declared), declared);
            if (retry.retryTopics()) {
                String retryTopic = RetryTopicNames.retryTopic(topicName(declared), retryGroup);
                declarations.putIfAbsent(retryTopic, RetryTopicEndpoints.declaration(retryTopic, declared));
            }
        }
        endpoints.add(new ListenerEndpoint(name, id, topics, groupId, semantics, retry));
        return enhanced;
    }

    /**
     * The {@link Topic} declarations of the listeners' event types, by topic name, so their topics get the declared
     * partitions and configs even when the event type lives outside the application's packages; and those of their
     * retry topics, with the partitions and replicas of their topic.
     */
    public synchronized Map<String, Topic> declarations() {
        return Map.copyOf(declarations);
    }

    /** The listeners enhanced so far. */
    public synchronized List<ListenerEndpoint> endpoints() {
        return List.copyOf(endpoints);
    }

    /** The name of {@code topic}'s topic, {@code ${...}} placeholders resolved (per-environment prefixes). */
    String topicName(Topic topic) {
        return environment.resolveRequiredPlaceholders(topic.name());
    }

    /**
     * The listener's own semantics, else the application's. A container factory of the user's decides delivery
     * itself, so a listener cannot ask for both.
     */
    private DeliverySemantics semantics(TopicListener listener, boolean ownFactory, String name) {
        DeliverySemantics[] delivery = listener.delivery();
        if (delivery.length > 1) {
            throw new IllegalStateException("@TopicListener method " + name + " has delivery = "
                    + Arrays.toString(delivery) + ". Choose one delivery semantics, or none for tributary.delivery.");
        }
        if (delivery.length == 1 && ownFactory) {
            throw new IllegalStateException("@TopicListener method " + name + " has both delivery = " + delivery[0]
                    + " and containerFactory = \"" + listener.containerFactory() + "\", whose settings decide how"
                    + " records are delivered, so the delivery semantics could not be honoured. Remove one of them.");
        }
        return delivery.length == 1 ? delivery[0] : defaultSemantics();
    }

    private DeliverySemantics defaultSemantics() {
        return Binder.get(environment).bind("tributary.delivery", DeliverySemantics.class)
                .orElse(DeliverySemantics.AT_LEAST_ONCE);
    }

    private List<String> topics(Map<String, Object> attributes, Method method, String name) {
        String[] declared = (String[]) attributes.get("topics");
        if (declared != null && declared.length > 0) {
            return Arrays.stream(declared).map(environment::resolveRequiredPlaceholders).toList();
        }
        if (!isEmpty(attributes.get("topicPattern")) || !isEmpty(attributes.get("topicPartitions"))) {
            return List.of();
        }
        Class<?> eventType = eventType(method);
        if (eventType == null) {
            throw new IllegalStateException("@TopicListener method " + name + " has no event parameter to take its"
                    + " topic from. Name the topic with @TopicListener(topics = \"...\").");
        }
        Topic topic = AnnotatedElementUtils.findMergedAnnotation(eventType, Topic.class);
        if (topic == null) {
            throw new IllegalStateException("@TopicListener method " + name + " receives " + eventType.getName()
                    + ", which has no @Topic. Annotate " + eventType.getSimpleName() + " with @Topic(name = \"...\")"
                    + " or name the topic with @TopicListener(topics = \"...\").");
        }
        return List.of(topicName(topic));
    }

    private static boolean isEmpty(Object attribute) {
        return attribute == null || (attribute instanceof String s && s.isEmpty())
                || (attribute instanceof Object[] array && array.length == 0);
    }

    /**
     * The listener's event type: the parameter that is not a header or a framework object, unwrapped from
     * {@code List}, {@code ConsumerRecord} and {@code Message}.
     */
    static Class<?> eventType(Method method) {
        for (int i = 0; i < method.getParameterCount(); i++) {
            Parameter parameter = method.getParameters()[i];
            if ((parameter.isAnnotationPresent(Header.class) || parameter.isAnnotationPresent(Headers.class))
                    && !parameter.isAnnotationPresent(Payload.class)) {
                continue;
            }
            if (FRAMEWORK_PARAMETERS.stream().anyMatch(type -> type.isAssignableFrom(parameter.getType()))) {
                continue;
            }
            return unwrap(ResolvableType.forMethodParameter(method, i));
        }
        return null;
    }

    private static Class<?> unwrap(ResolvableType type) {
        Class<?> raw = type.resolve(Object.class);
        if (Collection.class.isAssignableFrom(raw)) {
            return unwrap(type.asCollection().getGeneric(0));
        }
        if (ConsumerRecord.class.isAssignableFrom(raw)) {
            return type.as(ConsumerRecord.class).getGeneric(1).resolve(Object.class);
        }
        if (Message.class.isAssignableFrom(raw)) {
            return type.as(Message.class).getGeneric(0).resolve(Object.class);
        }
        return raw;
    }

    /**
     * Values reach listeners as bytes and are converted to the parameter's type; a {@code ConsumerRecord} parameter
     * bypasses that conversion, so a typed {@code ConsumerRecord<K, Event>} would fail on every record. Say so at
     * startup instead.
     */
    private void checkRawRecordValue(Method method, String name) {
        if (environment.containsProperty("spring.kafka.consumer.value-deserializer")) {
            return;
        }
        for (int i = 0; i < method.getParameterCount(); i++) {
            ResolvableType type = ResolvableType.forMethodParameter(method, i);
            if (ConsumerRecord.class.isAssignableFrom(type.resolve(Object.class))) {
                Class<?> value = type.as(ConsumerRecord.class).getGeneric(1).resolve(Object.class);
                if (value != byte[].class && value != Object.class) {
                    throw new IllegalStateException("@TopicListener method " + name + " takes a ConsumerRecord of "
                            + value.getSimpleName() + ", but record values arrive as bytes and only an event "
                            + "parameter is converted. Take the event itself (" + value.getSimpleName() + " event) "
                            + "and ask for key, partition and offset with @Header(KafkaHeaders.RECEIVED_KEY) and "
                            + "ConsumerRecordMetadata, or set spring.kafka.consumer.value-deserializer.");
                }
            }
        }
    }

    private static void checkProperties(String[] properties, DeliverySemantics semantics, String name) {
        if (properties == null || properties.length == 0) {
            return;
        }
        Map<String, String> config = new HashMap<>();
        for (String property : properties) {
            int equals = property.indexOf('=');
            if (equals > 0) {
                config.put(property.substring(0, equals).trim(), property.substring(equals + 1).trim());
            }
        }
        DeliveryPreset.check(config, DeliveryPreset.consumer(semantics), semantics,
                "in the properties of @TopicListener " + name);
    }
}
