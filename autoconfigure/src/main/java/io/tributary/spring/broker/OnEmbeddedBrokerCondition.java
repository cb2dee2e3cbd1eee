package io.tributary.spring.broker;

import io.tributary.spring.TributaryProperties.Mode;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the application should run its own broker. {@code tributary.mode=embedded}: always.
 * {@code external}: never. {@code auto} (the default): unless the application is configured for another cluster,
 * through {@code spring.kafka.*bootstrap-servers} in any form ({@link ConfiguredBootstrapServers}) or a
 * {@link KafkaConnectionDetails} bean of its own (a {@code @Bean}, or a {@code @ServiceConnection} container).
 * Evaluated when beans are registered, after the application's own configuration, so its beans are known.
 */
final class OnEmbeddedBrokerCondition extends SpringBootCondition implements ConfigurationCondition {

    @Override
    public ConfigurationPhase getConfigurationPhase() {
        return ConfigurationPhase.REGISTER_BEAN;
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment environment = context.getEnvironment();
        Mode mode = mode(environment);
        if (mode == Mode.EXTERNAL) {
            return ConditionOutcome.noMatch("tributary.mode is external");
        }
        if (mode == Mode.EMBEDDED) {
            return ConditionOutcome.match("tributary.mode is embedded");
        }
        ConfiguredBootstrapServers configured = ConfiguredBootstrapServers.find(environment);
        if (configured != null) {
            return ConditionOutcome.noMatch("tributary.mode is auto and " + configured.property() + " is set");
        }
        List<String> details = connectionDetailsBeans(context.getBeanFactory());
        if (!details.isEmpty()) {
            return ConditionOutcome.noMatch("tributary.mode is auto and the application has KafkaConnectionDetails "
                    + details);
        }
        return ConditionOutcome.match("tributary.mode is auto and no other cluster is configured");
    }

    static Mode mode(Environment environment) {
        return Binder.get(environment).bind("tributary.mode", Mode.class).orElse(Mode.AUTO);
    }

    static List<String> connectionDetailsBeans(ConfigurableListableBeanFactory beanFactory) {
        if (beanFactory == null) {
            return List.of();
        }
        return Arrays.asList(beanFactory.getBeanNamesForType(KafkaConnectionDetails.class, true, false));
    }
}
