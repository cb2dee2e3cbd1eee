package io.tributary.spring.broker;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an embedded broker that could not start into a startup report that says what to change. */
final class EmbeddedBrokerFailureAnalyzer extends AbstractFailureAnalyzer<EmbeddedBrokerStartException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, EmbeddedBrokerStartException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
