package io.tributary.spring.listener;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Sends events published with Spring's {@code ApplicationEventPublisher#publishEvent(Object)} whose type carries
 * {@link Topic} to that topic, so existing {@code publishEvent} code becomes messaging between services. Inside a
 * transaction the event is sent after it commits (and not at all if it rolls back), as
 * {@code @TransactionalEventListener} would see it; inside an exactly-once listener the event is sent at once and
 * joins the listener's Kafka transaction, like any other send of that listener.
 */
final class ApplicationEventForwarder implements ApplicationListener<PayloadApplicationEvent<?>> {
    private static final Logger log = LoggerFactory.getLogger(ApplicationEventForwarder.class);

    private final EventTemplate events;

    ApplicationEventForwarder(EventTemplate events) {
        this.events = events;
    }

    @Override
    public void onApplicationEvent(PayloadApplicationEvent<?> event) {
        Object payload = event.getPayload();
        if (AnnotatedElementUtils.findMergedAnnotation(payload.getClass(), Topic.class) == null) {
            return;
        }
        if (!events.inTransaction() && TransactionSynchronizationManager.isSynchronizationActive()
                && TransactionSynchronizationManager.isActualTransactionActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    send(payload);
                }
            });
        } else {
            send(payload);
        }
    }

    private void send(Object payload) {
        events.publish(payload).whenComplete((metadata, failure) -> {
            if (failure != null) {
                log.error("Could not send application event {} to topic {}", payload.getClass().getName(),
                        events.topicOf(payload), failure);
            }
        });
    }
}
