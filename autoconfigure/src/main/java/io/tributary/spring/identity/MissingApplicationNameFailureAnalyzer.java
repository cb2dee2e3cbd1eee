package io.tributary.spring.identity;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Asks for a {@code spring.application.name} when the application has none and needs one. */
final class MissingApplicationNameFailureAnalyzer extends AbstractFailureAnalyzer<MissingApplicationNameException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingApplicationNameException cause) {
        return new FailureAnalysis(cause.getMessage(), "Set spring.application.name (e.g. in application.properties: "
                + "spring.application.name=billing-service). It names the consumer groups, the transactional ids "
                + "and the embedded broker's data directory.", cause);
    }
}
