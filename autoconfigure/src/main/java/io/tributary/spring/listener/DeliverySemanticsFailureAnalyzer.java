package io.tributary.spring.listener;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a Kafka setting that contradicts the delivery semantics, naming the property to change. */
final class DeliverySemanticsFailureAnalyzer extends AbstractFailureAnalyzer<DeliverySemanticsConflictException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, DeliverySemanticsConflictException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
