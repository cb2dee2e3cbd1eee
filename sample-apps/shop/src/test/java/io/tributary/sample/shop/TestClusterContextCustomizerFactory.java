package io.tributary.sample.shop;

import java.util.List;
import java.util.Map;
import org.springframework.core.env.MapPropertySource;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;

/**
 * With {@code -Dshop.test.cluster=kafka}, starts Apache Kafka's own broker in the test JVM (spring-kafka-test's
 * EmbeddedKafkaKraftBroker, port chosen at bind time) once, and points every test context at it with
 * {@code spring.kafka.bootstrap-servers}: the one setting that moves an app from the embedded broker to a real
 * cluster. Otherwise does nothing and the app runs on its embedded Tributary broker.
 */
public final class TestClusterContextCustomizerFactory implements ContextCustomizerFactory {
    private static EmbeddedKafkaBroker kafka;

    /** The Apache Kafka broker's address on the portability run, null otherwise. */
    static synchronized String kafkaBootstrapServers() {
        if (!"kafka".equals(System.getProperty("shop.test.cluster"))) {
            return null;
        }
        if (kafka == null) {
            // One broker: internal topics can only have one replica (Kafka's defaults ask for three).
            kafka = new EmbeddedKafkaKraftBroker(1, 1).kafkaPorts(0).brokerProperties(Map.of(
                    "offsets.topic.replication.factor", "1", "transaction.state.log.replication.factor", "1",
                    "transaction.state.log.min.isr", "1"));
            kafka.afterPropertiesSet();
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::destroy, "embedded-kafka-shutdown"));
        }
        return kafka.getBrokersAsString();
    }

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        return kafkaBootstrapServers() == null ? null : new KafkaCluster();
    }

    /** Equal to every other, so the test context cache treats contexts on the Kafka broker alike. */
    private static final class KafkaCluster implements ContextCustomizer {
        @Override
        public void customizeContext(org.springframework.context.ConfigurableApplicationContext context,
                                     org.springframework.test.context.MergedContextConfiguration configuration) {
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("apacheKafka",
                    Map.of("spring.kafka.bootstrap-servers", kafkaBootstrapServers())));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof KafkaCluster;
        }

        @Override
        public int hashCode() {
            return KafkaCluster.class.hashCode();
        }
    }
}
