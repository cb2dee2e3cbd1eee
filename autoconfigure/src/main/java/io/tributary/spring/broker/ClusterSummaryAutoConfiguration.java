package io.tributary.spring.broker;

import io.tributary.spring.TributaryProperties.Mode;
import io.tributary.spring.identity.ApplicationIdentity;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * States which cluster the application uses ({@link ClusterSummary}) and logs it once at startup
 * ({@link ClusterStartupLine}), once Spring Boot has settled its {@link KafkaConnectionDetails}.
 */
@AutoConfiguration(after = {EmbeddedBrokerAutoConfiguration.class, KafkaAutoConfiguration.class},
        afterName = "io.tributary.spring.identity.ApplicationIdentityAutoConfiguration")
@ConditionalOnBean(KafkaConnectionDetails.class)
public final class ClusterSummaryAutoConfiguration {
    static final String EMBEDDED_SOURCE = "embedded broker";

    @Bean
    @ConditionalOnMissingBean
    ClusterSummary tributaryClusterSummary(ObjectProvider<EmbeddedBroker> broker,
                                           ConfigurableListableBeanFactory beanFactory, Environment environment) {
        EmbeddedBroker embedded = broker.getIfAvailable();
        String[] names = beanFactory.getBeanNamesForType(KafkaConnectionDetails.class);
        String name = names.length == 1 ? names[0] : Arrays.stream(names)
                .filter(candidate -> beanFactory.getBeanDefinition(candidate).isPrimary()).findFirst()
                .orElse(names[0]);
        KafkaConnectionDetails details = beanFactory.getBean(name, KafkaConnectionDetails.class);
        List<String> servers = details.getBootstrapServers();
        String source = source(name, details, environment);
        if (embedded != null) {
            return new ClusterSummary("embedded", servers, source, embedded.dataDir(), embedded.ephemeral(),
                    "set tributary.broker.data-dir to keep the data elsewhere, spring.kafka.bootstrap-servers or "
                            + "tributary.mode=external to use another cluster");
        }
        String change = OnEmbeddedBrokerCondition.mode(environment) == Mode.EXTERNAL
                ? "set tributary.mode=auto or embedded to run an embedded broker"
                : "set tributary.mode=embedded to run an embedded broker instead";
        return new ClusterSummary("external", servers, source, null, false, change);
    }

    @Bean
    ClusterStartupLine tributaryClusterStartupLine(ClusterSummary summary,
                                                   ObjectProvider<ApplicationIdentity> identity) {
        return new ClusterStartupLine(summary, identity);
    }

    private static String source(String beanName, KafkaConnectionDetails details, Environment environment) {
        if (details instanceof EmbeddedBrokerConnectionDetails) {
            return EMBEDDED_SOURCE;
        }
        // Spring Boot's own connection details, made from spring.kafka.* when the application has none.
        if (details.getClass().getName().equals(
                "org.springframework.boot.kafka.autoconfigure.PropertiesKafkaConnectionDetails")) {
            ConfiguredBootstrapServers configured = ConfiguredBootstrapServers.find(environment);
            return configured != null ? configured.property()
                    : "Spring Boot's default (spring.kafka.bootstrap-servers is not set)";
        }
        return "KafkaConnectionDetails bean '" + beanName + "'";
    }
}
