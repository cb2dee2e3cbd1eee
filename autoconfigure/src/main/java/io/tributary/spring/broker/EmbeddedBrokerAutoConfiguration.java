package io.tributary.spring.broker;

import io.tributary.spring.TributaryProperties;
import io.tributary.spring.identity.ApplicationIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * Starts a broker node with the application and offers it to Spring Boot as its {@link KafkaConnectionDetails},
 * so every Kafka client the application builds (ours and its own) connects to it. Anything that connects depends
 * on the connection details, so the broker starts before it and, on shutdown, closes after it. Whether there is a
 * broker at all is {@link OnEmbeddedBrokerCondition}'s decision ({@code tributary.mode}); it runs after
 * {@code @ServiceConnection} containers have registered their connection details.
 */
@AutoConfiguration(before = KafkaAutoConfiguration.class,
        afterName = "org.springframework.boot.testcontainers.service.connection.ServiceConnectionAutoConfiguration")
@Conditional(OnEmbeddedBrokerCondition.class)
@EnableConfigurationProperties(TributaryProperties.class)
public final class EmbeddedBrokerAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBrokerAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EmbeddedBroker tributaryEmbeddedBroker(TributaryProperties properties, Environment environment) {
        ConfiguredBootstrapServers configured = ConfiguredBootstrapServers.find(environment);
        if (configured != null) {
            log.warn("tributary.mode is embedded: {}={} is ignored, the application uses its embedded broker",
                    configured.property(), String.join(",", configured.servers()));
        }
        return EmbeddedBroker.start(properties.getBroker(),
                ApplicationIdentity.applicationName(environment, "application"));
    }

    @Bean
    @ConditionalOnMissingBean(KafkaConnectionDetails.class)
    EmbeddedBrokerConnectionDetails kafkaConnectionDetails(EmbeddedBroker broker) {
        return new EmbeddedBrokerConnectionDetails(broker);
    }
}
