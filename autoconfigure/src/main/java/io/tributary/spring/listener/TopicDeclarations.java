package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.Topic;
import io.tributary.broker.server.TopicSpec;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.util.ClassUtils;

/**
 * Creates at startup, before any listener starts, the topics the application declares: those of {@link Topic}
 * types in its packages (the {@code @SpringBootApplication}'s, and any added with {@code @AutoConfigurationPackage}),
 * each listener's topics (with its event type's {@link Topic} settings wherever that type lives; names with
 * {@code ${...}} placeholders resolved), and the
 * dead-letter topics of listeners that use them. Existing topics are left as they are unless a declaration asks for more partitions.
 * {@code NewTopic} beans are created by Spring Boot's {@code KafkaAdmin} itself.
 *
 * <p>On the embedded broker the topics are declared in-process ({@code Broker#declareTopics}), which spares the
 * application an Admin client at startup; on an external cluster through {@code KafkaAdmin}.
 */
final class TopicDeclarations implements SmartInitializingSingleton {
    private static final Logger log = LoggerFactory.getLogger(TopicDeclarations.class);

    private final KafkaAdmin admin;
    private final EmbeddedBroker embedded;
    private final BeanFactory beanFactory;
    private final TopicListenerEnhancer listeners;
    private final TributaryProperties properties;

    TopicDeclarations(KafkaAdmin admin, EmbeddedBroker embedded, BeanFactory beanFactory,
                      TopicListenerEnhancer listeners, TributaryProperties properties) {
        this.admin = admin;
        this.embedded = embedded;
        this.beanFactory = beanFactory;
        this.listeners = listeners;
        this.properties = properties;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!properties.getListener().isCreateTopics()) {
            return;
        }
        Map<String, NewTopic> topics = new LinkedHashMap<>();
        for (Class<?> type : topicTypes()) {
            Topic topic = AnnotatedElementUtils.findMergedAnnotation(type, Topic.class);
            String name = listeners.topicName(topic);
            topics.put(name, declared(name, topic));
        }
        listeners.declarations().forEach((name, topic) -> topics.putIfAbsent(name, declared(name, topic)));
        String suffix = properties.getListener().getDeadLetterSuffix();
        for (TopicListenerEnhancer.ListenerEndpoint endpoint : listeners.endpoints()) {
            for (String topic : endpoint.topics()) {
                topics.putIfAbsent(topic, new NewTopic(topic, Optional.empty(), Optional.empty()));
                if (endpoint.semantics() != DeliverySemantics.AT_MOST_ONCE) {
                    topics.putIfAbsent(topic + suffix, new NewTopic(topic + suffix, Optional.empty(),
                            Optional.empty()));
                }
            }
        }
        if (topics.isEmpty()) {
            return;
        }
        if (embedded != null) {
            embedded.broker().declareTopics(topics.values().stream().map(topic -> new TopicSpec(topic.name(),
                    topic.numPartitions(), topic.replicationFactor(),
                    topic.configs() == null ? Map.of() : topic.configs())).toList());
        } else {
            admin.createOrModifyTopics(topics.values().toArray(NewTopic[]::new));
        }
        log.debug("Declared topics {}", topics.keySet());
    }

    private static NewTopic declared(String name, Topic topic) {
        var newTopic = new NewTopic(name,
                topic.partitions() > 0 ? Optional.of(topic.partitions()) : Optional.empty(),
                topic.replicas() > 0 ? Optional.of(topic.replicas()) : Optional.empty());
        Map<String, String> configs = new LinkedHashMap<>();
        for (String config : topic.configs()) {
            int equals = config.indexOf('=');
            if (equals <= 0) {
                throw new IllegalStateException("@Topic(name = \"" + name + "\") has config '" + config
                        + "', which is not name=value");
            }
            configs.put(config.substring(0, equals).trim(), config.substring(equals + 1).trim());
        }
        return newTopic.configs(configs);
    }

    private List<Class<?>> topicTypes() {
        if (!AutoConfigurationPackages.has(beanFactory)) {
            return List.of();
        }
        var scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(Topic.class));
        ClassLoader classLoader = ClassUtils.getDefaultClassLoader();
        return AutoConfigurationPackages.get(beanFactory).stream()
                .flatMap(basePackage -> scanner.findCandidateComponents(basePackage).stream())
                .map(BeanDefinition::getBeanClassName)
                .distinct()
                .<Class<?>>map(name -> ClassUtils.resolveClassName(name, classLoader))
                .toList();
    }
}
