package io.tributary.spring.actuate;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.ClusterSummary;
import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.listener.ListenerMetrics;
import io.tributary.spring.listener.TopicListenerEnhancer;
import io.tributary.spring.listener.TributaryListenerAutoConfiguration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Actuator health, the {@code tributary} endpoint and Micrometer meters, each only when the application has the
 * library it needs (spring-boot-health, spring-boot-actuator, Micrometer with a registry).
 */
@AutoConfiguration(after = TributaryListenerAutoConfiguration.class,
        afterName = "io.tributary.spring.broker.ClusterSummaryAutoConfiguration")
@ConditionalOnClass(KafkaTemplate.class)
@ConditionalOnBean(KafkaAdmin.class)
@EnableConfigurationProperties(TributaryProperties.class)
public final class TributaryActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ClusterView tributaryClusterView(KafkaAdmin admin, TributaryProperties properties) {
        return new ClusterView(admin, properties.getHealth().getTimeout());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("tributary")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "tributaryHealthIndicator")
        TributaryHealthIndicator tributaryHealthIndicator(ObjectProvider<EmbeddedBroker> broker, ClusterView cluster,
                                                          ObjectProvider<ClusterSummary> summary,
                                                          TributaryProperties properties) {
            return new TributaryHealthIndicator(broker.getIfAvailable(), cluster, summary.getIfAvailable(),
                    properties.getHealth().getMinFreeDisk().toBytes());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    @ConditionalOnAvailableEndpoint(TributaryEndpoint.class)
    static class Endpoint {
        @Bean
        @ConditionalOnMissingBean
        TributaryEndpoint tributaryEndpoint(ClusterView cluster, TributaryProperties properties, KafkaAdmin admin,
                                            ObjectProvider<EmbeddedBroker> broker,
                                            ObjectProvider<ClusterSummary> summary,
                                            ObjectProvider<TopicListenerEnhancer> listeners) {
            return new TributaryEndpoint(cluster, properties, admin, broker.getIfAvailable(),
                    summary.getIfAvailable(), listeners.getIfAvailable());
        }
    }

    /**
     * Meters, when Micrometer is on the classpath. Whether the application has a registry is asked when the beans
     * are created, not in a condition, so the order of Spring Boot's metrics auto-configurations does not matter.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Meters {
        @Bean
        @ConditionalOnMissingBean
        ListenerMetrics tributaryListenerMeters(ObjectProvider<MeterRegistry> registry) {
            MeterRegistry meters = registry.getIfUnique();
            return meters == null ? ListenerMetrics.NONE : new ListenerMeters(meters);
        }

        /** A MeterBinder: Spring Boot binds it to the application's registry. Binds nothing in external mode. */
        @Bean
        BrokerMeters tributaryBrokerMeters(ObjectProvider<EmbeddedBroker> broker) {
            EmbeddedBroker embedded = broker.getIfAvailable();
            return new BrokerMeters(embedded == null ? null : embedded.broker());
        }

        @Bean
        PeriodicRefresh tributaryMeterRefresh(ClusterView cluster, ObjectProvider<KafkaListenerEndpointRegistry> listeners,
                                              ObjectProvider<BrokerMeters> brokerMeters,
                                              ObjectProvider<MeterRegistry> registry, TributaryProperties properties) {
            List<Runnable> tasks = new ArrayList<>();
            KafkaListenerEndpointRegistry containers = listeners.getIfAvailable();
            MeterRegistry meters = registry.getIfUnique();
            if (containers != null && meters != null) {
                tasks.add(new ConsumerLagMeters(cluster, containers, meters)::refresh);
            }
            tasks.add(brokerMeters.getObject()::registerNew);
            return new PeriodicRefresh(tasks, properties.getMetrics().getRefreshInterval());
        }
    }
}
