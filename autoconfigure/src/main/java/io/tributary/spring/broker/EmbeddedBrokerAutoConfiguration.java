package io.tributary.spring.broker;

import io.tributary.spring.TributaryProperties;
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
 * on the connection details, so the broker starts before it and, on shutdown, closes after it.
 */
@AutoConfiguration(before = KafkaAutoConfiguration.class)
@Conditional(OnEmbeddedBrokerCondition.class)
@EnableConfigurationProperties(TributaryProperties.class)
public final class EmbeddedBrokerAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EmbeddedBroker tributaryEmbeddedBroker(TributaryProperties properties, Environment environment) {
        return EmbeddedBroker.start(properties.getBroker(),
                environment.getProperty("spring.application.name", "application"));
    }

    @Bean
    @ConditionalOnMissingBean(KafkaConnectionDetails.class)
    EmbeddedBrokerConnectionDetails kafkaConnectionDetails(EmbeddedBroker broker) {
        return new EmbeddedBrokerConnectionDetails(broker);
    }
}
