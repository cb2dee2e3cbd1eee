package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
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
                                               TributaryProperties properties,
                                               ObjectProvider<JsonMapper> jsonMapper,
                                               ObjectProvider<ListenerMetrics> metrics, Environment environment) {
        var runtimes = new DeliveryRuntimes(producerFactory, consumerFactory, configurer, properties,
                jsonMapper.getIfAvailable(JsonMapper::shared), metrics.getIfAvailable(() -> ListenerMetrics.NONE),
                environment);
        // The default semantics' contradictions fail startup even before a listener or a send needs it.
        runtimes.checkSettings(properties.getDelivery());
        return runtimes;
    }

    @Bean
    @ConditionalOnMissingBean
    EventTemplate eventTemplate(DeliveryRuntimes runtimes) {
        return new EventTemplate(runtimes);
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
    ApplicationEventForwarder tributaryApplicationEventForwarder(EventTemplate events) {
        return new ApplicationEventForwarder(events);
    }

    @Bean
    @ConditionalOnMissingBean
    TopicDeclarations tributaryTopicDeclarations(KafkaAdmin admin, ObjectProvider<EmbeddedBroker> embedded,
                                                 BeanFactory beanFactory, TopicListenerEnhancer listeners,
                                                 TributaryProperties properties) {
        return new TopicDeclarations(admin, embedded.getIfAvailable(), beanFactory, listeners, properties);
    }
}
