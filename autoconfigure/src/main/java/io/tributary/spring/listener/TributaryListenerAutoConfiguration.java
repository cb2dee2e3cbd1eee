package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.identity.ApplicationIdentity;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Role;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.transaction.KafkaTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code @TopicListener}, {@link EventTemplate} and the delivery-semantics presets, on top of Spring Boot's Kafka
 * auto-configuration (whose producer and consumer settings they start from). Listener container factories are
 * built per semantics, on first use by a listener.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnClass(KafkaTemplate.class)
@EnableConfigurationProperties(TributaryProperties.class)
public final class TributaryListenerAutoConfiguration {

    /** Static: spring-kafka looks it up while it post-processes beans, before this class is instantiated. */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static TopicListenerEnhancer tributaryTopicListenerEnhancer(Environment environment) {
        return new TopicListenerEnhancer(environment);
    }

    @Bean
    @ConditionalOnMissingBean
    DeliveryRuntimes tributaryDeliveryRuntimes(ProducerFactory<?, ?> producerFactory,
                                               ConsumerFactory<?, ?> consumerFactory,
                                               ConcurrentKafkaListenerContainerFactoryConfigurer configurer,
                                               TributaryProperties properties, KafkaProperties kafkaProperties,
                                               ObjectProvider<JsonMapper> jsonMapper,
                                               ObjectProvider<ListenerMetrics> metrics,
                                               ObjectProvider<ApplicationIdentity> identity,
                                               ObjectProvider<TopicListenerEnhancer> listeners,
                                               BeanFactory beanFactory, Environment environment) {
        JsonMapper mapper = jsonMapper.getIfAvailable(JsonMapper::shared);
        ListenerMetrics listenerMetrics = metrics.getIfAvailable(() -> ListenerMetrics.NONE);
        ApplicationContainerBeans application = ApplicationContainerBeans.of(beanFactory,
                kafkaProperties.getTemplate().isObservationEnabled());
        var composition = new ContainerComposition(application,
                new FailurePolicy(properties.getListener(), listenerMetrics, application), mapper, listenerMetrics,
                () -> listeners.stream().flatMap(enhancer -> enhancer.endpoints().stream()).toList());
        var runtimes = new DeliveryRuntimes(producerFactory, consumerFactory, configurer, properties, mapper,
                environment, identity.getIfAvailable(() -> new ApplicationIdentity(
                        ApplicationIdentity.applicationName(environment), "0")), application, composition);
        // The default semantics' contradictions fail startup even before a listener or a send needs it.
        runtimes.checkSettings(properties.getDelivery());
        return runtimes;
    }

    /**
     * The exactly-once Kafka transaction manager, for {@code @Transactional("tributaryKafkaTransactionManager")}
     * or to chain with a JDBC/JPA one. Not a default candidate, so it neither displaces Spring Boot's
     * DataSource/JPA transaction manager nor makes an unqualified {@code @Transactional} ambiguous; lazy, so an
     * application that never uses exactly-once does not build (or check) its clients.
     */
    @Bean(defaultCandidate = false)
    @Lazy
    @ConditionalOnMissingBean(name = "tributaryKafkaTransactionManager")
    KafkaTransactionManager<Object, Object> tributaryKafkaTransactionManager(DeliveryRuntimes runtimes) {
        return runtimes.runtime(DeliverySemantics.EXACTLY_ONCE).transactionManager();
    }

    @Bean
    @ConditionalOnMissingBean
    EventTemplate eventTemplate(DeliveryRuntimes runtimes, Environment environment) {
        return new EventTemplate(runtimes, environment);
    }

    @Bean
    @Lazy
    ConcurrentKafkaListenerContainerFactory<Object, Object> tributaryAtMostOnceListenerContainerFactory(
            DeliveryRuntimes runtimes) {
        return runtimes.runtime(DeliverySemantics.AT_MOST_ONCE).containerFactory();
    }

    @Bean
    @Lazy
    ConcurrentKafkaListenerContainerFactory<Object, Object> tributaryAtLeastOnceListenerContainerFactory(
            DeliveryRuntimes runtimes) {
        return runtimes.runtime(DeliverySemantics.AT_LEAST_ONCE).containerFactory();
    }

    @Bean
    @Lazy
    ConcurrentKafkaListenerContainerFactory<Object, Object> tributaryExactlyOnceListenerContainerFactory(
            DeliveryRuntimes runtimes) {
        return runtimes.runtime(DeliverySemantics.EXACTLY_ONCE).containerFactory();
    }

    @Bean
    @ConditionalOnMissingBean
    TopicDeclarations tributaryTopicDeclarations(KafkaAdmin admin, ObjectProvider<EmbeddedBroker> embedded,
                                                 BeanFactory beanFactory, TopicListenerEnhancer listeners,
                                                 TributaryProperties properties) {
        return new TopicDeclarations(admin, embedded.getIfAvailable(), beanFactory, listeners, properties);
    }
}
