package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * An unknown {@code tributary.delivery} value: says which values exist, in the form the property takes (Spring
 * Boot's own report would list the enum's constant names).
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class DeliveryValueFailureAnalyzer extends AbstractFailureAnalyzer<BindException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        if (!cause.getName().toString().equals("tributary.delivery")) {
            return null;
        }
        Object value = cause.getProperty() == null ? null : cause.getProperty().getValue();
        String values = Arrays.stream(DeliverySemantics.values()).map(DeliverySemantics::value)
                .collect(Collectors.joining(", "));
        return new FailureAnalysis("tributary.delivery is '" + value + "', which is not a delivery semantics.",
                "Set tributary.delivery to one of: " + values + " (the default is at-least-once).", cause);
    }
}
