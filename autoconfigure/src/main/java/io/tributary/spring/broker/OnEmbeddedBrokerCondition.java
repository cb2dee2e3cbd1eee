package io.tributary.spring.broker;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when the application should run its own broker: {@code tributary.mode} is not {@code external} and
 * {@code spring.kafka.bootstrap-servers} is not set (setting it is how an app points at a real cluster).
 */
final class OnEmbeddedBrokerCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment environment = context.getEnvironment();
        String mode = environment.getProperty("tributary.mode", "embedded").trim();
        if (mode.equalsIgnoreCase("external")) {
            return ConditionOutcome.noMatch("tributary.mode is external");
        }
        if (environment.containsProperty("spring.kafka.bootstrap-servers")) {
            return ConditionOutcome.noMatch("spring.kafka.bootstrap-servers is set");
        }
        return ConditionOutcome.match("tributary.mode is " + mode + " and spring.kafka.bootstrap-servers is not set");
    }
}
