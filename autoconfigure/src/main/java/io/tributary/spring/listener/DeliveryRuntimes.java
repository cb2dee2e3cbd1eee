package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.identity.ApplicationIdentity;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.transaction.KafkaTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds, once per {@link DeliverySemantics}, the producer factory, template, consumer factory and listener
 * container factory that keep that semantics' promise. Each starts from the application's own Kafka client
 * configuration (Spring Boot's producer and consumer factories: {@code spring.kafka.*} and the cluster's address)
 * and adds the {@link DeliveryPreset}; a user setting that contradicts the preset fails here, at startup. The
 * application's own container beans are composed in by {@link ContainerComposition}.
 */
public final class DeliveryRuntimes implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(DeliveryRuntimes.class);
    private static final String PRODUCER_SOURCE =
            "from spring.kafka.producer.* or spring.kafka.properties.*";
    private static final String CONSUMER_SOURCE =
            "from spring.kafka.consumer.* or spring.kafka.properties.*";

    private final ProducerFactory<?, ?> applicationProducers;
    private final ConsumerFactory<?, ?> applicationConsumers;
    private final ConcurrentKafkaListenerContainerFactoryConfigurer containerConfigurer;
    private final TributaryProperties properties;
    private final JsonMapper jsonMapper;
    private final Environment environment;
    private final ApplicationIdentity identity;
    private final ApplicationContainerBeans application;
    private final ContainerComposition composition;
    private final Map<DeliverySemantics, DeliveryRuntime> runtimes = new EnumMap<>(DeliverySemantics.class);

    DeliveryRuntimes(ProducerFactory<?, ?> applicationProducers, ConsumerFactory<?, ?> applicationConsumers,
                     ConcurrentKafkaListenerContainerFactoryConfigurer containerConfigurer,
                     TributaryProperties properties, JsonMapper jsonMapper, Environment environment,
                     ApplicationIdentity identity, ApplicationContainerBeans application,
                     ContainerComposition composition) {
        this.applicationProducers = applicationProducers;
        this.applicationConsumers = applicationConsumers;
        this.containerConfigurer = containerConfigurer;
        this.properties = properties;
        this.jsonMapper = jsonMapper;
        this.environment = environment;
        this.identity = identity;
        this.application = application;
        this.composition = composition;
    }

    /** The application's default semantics ({@code tributary.delivery}). */
    public DeliverySemantics defaultSemantics() {
        return properties.getDelivery();
    }

    /** The clients of {@code semantics}, built on first use. */
    public synchronized DeliveryRuntime runtime(DeliverySemantics semantics) {
        return runtimes.computeIfAbsent(semantics, this::build);
    }

    /** The clients of {@code semantics} if something has used them, else null. */
    public synchronized DeliveryRuntime existing(DeliverySemantics semantics) {
        return runtimes.get(semantics);
    }

    /** Checks {@code semantics}' settings against the application's configuration without building anything. */
    void checkSettings(DeliverySemantics semantics) {
        DeliveryPreset.check(applicationProducers.getConfigurationProperties(), DeliveryPreset.producer(semantics),
                semantics, PRODUCER_SOURCE);
        DeliveryPreset.check(applicationConsumerConfig(), DeliveryPreset.consumer(semantics), semantics,
                CONSUMER_SOURCE);
    }

    /**
     * Closes the producers of every runtime when the context closes: before the embedded broker, which the
     * application's Kafka beans (and so these runtimes) depend on.
     */
    @Override
    public synchronized void destroy() {
        for (DeliveryRuntime runtime : runtimes.values()) {
            if (runtime.template().getProducerFactory() instanceof DisposableBean producers) {
                try {
                    producers.destroy();
                } catch (Exception e) {
                    log.warn("Could not close the {} producers: {}", runtime.semantics().value(), e.toString());
                }
            }
        }
        runtimes.clear();
    }

    private DeliveryRuntime build(DeliverySemantics semantics) {
        KafkaTemplate<Object, Object> template = new KafkaTemplate<>(producerFactory(semantics));
        // Not a bean, so nothing else would apply spring.kafka.template.observation-enabled and the registry. A
        // template observes every send into a registry set on it, whatever its switch says (spring-kafka consults
        // the switch only to look the registry up itself): so the registry is set only when the switch is on.
        template.setObservationEnabled(application.templateObservation());
        if (application.templateObservation() && application.observationRegistry() != null) {
            template.setObservationRegistry(application.observationRegistry());
        }
        var containerFactory = new ConcurrentKafkaListenerContainerFactory<Object, Object>();
        containerConfigurer.configure(containerFactory, consumerFactory(semantics));
        containerFactory.setReplyTemplate(template);
        // The application's KafkaAwareTransactionManager belongs to its own producers, not to this semantics'.
        containerFactory.getContainerProperties().setKafkaAwareTransactionManager(null);
        if (semantics == DeliverySemantics.EXACTLY_ONCE) {
            containerFactory.getContainerProperties().setKafkaAwareTransactionManager(
                    new KafkaTransactionManager<>(template.getProducerFactory()));
        }
        composition.compose(containerFactory, semantics, template);
        return new DeliveryRuntime(semantics, template, containerFactory);
    }

    private ProducerFactory<Object, Object> producerFactory(DeliverySemantics semantics) {
        Map<String, Object> config = new HashMap<>(applicationProducers.getConfigurationProperties());
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        DeliveryPreset.apply(config, DeliveryPreset.producer(semantics), semantics, PRODUCER_SOURCE);
        var factory = new DefaultKafkaProducerFactory<Object, Object>(config);
        // The application's producer listeners, among them Spring Boot's Micrometer one (kafka.producer.* meters).
        applicationProducers.getListeners().forEach(listener -> factory.addListener(cast(listener)));
        if (!environment.containsProperty("spring.kafka.producer.key-serializer")) {
            factory.setKeySerializer(new EventKeySerializer(jsonMapper));
        }
        if (!environment.containsProperty("spring.kafka.producer.value-serializer")) {
            factory.setValueSerializer(new JsonEventSerializer(jsonMapper));
        }
        if (semantics == DeliverySemantics.EXACTLY_ONCE) {
            factory.setTransactionIdPrefix(transactionIdPrefix());
        }
        return factory;
    }

    private ConsumerFactory<Object, Object> consumerFactory(DeliverySemantics semantics) {
        Map<String, Object> config = applicationConsumerConfig();
        DeliveryPreset.apply(config, DeliveryPreset.consumer(semantics), semantics, CONSUMER_SOURCE);
        // spring.kafka.consumer.auto-offset-reset (or a property) is in the config when set, and wins.
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, properties.getListener().getAutoOffsetReset());
        var factory = new DefaultKafkaConsumerFactory<Object, Object>(config);
        applicationConsumers.getListeners().forEach(listener -> factory.addListener(cast(listener)));
        if (!environment.containsProperty("spring.kafka.consumer.key-deserializer")) {
            factory.setKeyDeserializerSupplier(() -> new EventKeyDeserializer(jsonMapper));
        }
        // Values arrive as bytes and become the listener parameter's type in the message converter, so one
        // consumer serves listeners of any event type.
        if (!environment.containsProperty("spring.kafka.consumer.value-deserializer")) {
            factory.setValueDeserializerSupplier(() -> cast(new ByteArrayDeserializer()));
        }
        return factory;
    }

    /**
     * The application's consumer configuration without the isolation level Spring Boot always fills in
     * (read_uncommitted) unless the user set it, so that only a user's own choice can contradict exactly-once.
     */
    private Map<String, Object> applicationConsumerConfig() {
        Map<String, Object> config = new HashMap<>(applicationConsumers.getConfigurationProperties());
        boolean userIsolationLevel = environment.containsProperty("spring.kafka.consumer.isolation-level")
                || environment.containsProperty("spring.kafka.consumer.properties.isolation.level")
                || environment.containsProperty("spring.kafka.properties.isolation.level");
        if (!userIsolationLevel) {
            config.remove(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
        }
        return config;
    }

    @SuppressWarnings("unchecked")
    private static Deserializer<Object> cast(Deserializer<?> deserializer) {
        return (Deserializer<Object>) deserializer;
    }

    @SuppressWarnings("unchecked")
    private static ProducerFactory.Listener<Object, Object> cast(ProducerFactory.Listener<?, ?> listener) {
        return (ProducerFactory.Listener<Object, Object>) listener;
    }

    @SuppressWarnings("unchecked")
    private static ConsumerFactory.Listener<Object, Object> cast(ConsumerFactory.Listener<?, ?> listener) {
        return (ConsumerFactory.Listener<Object, Object>) listener;
    }

    /**
     * {@code tributary.transaction-id-prefix} if set, else this instance's own prefix: two replicas with one prefix
     * would fence each other's producers (KIP-98: one live producer per transactional id).
     */
    private String transactionIdPrefix() {
        String prefix = properties.getTransactionIdPrefix();
        return prefix == null || prefix.isBlank() ? identity.transactionIdPrefix() : prefix;
    }
}
