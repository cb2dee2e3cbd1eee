package io.tributary.spring.outbox;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Sends events published with Spring's {@code ApplicationEventPublisher#publishEvent(Object)} whose type carries
 * {@link Topic} to that topic, so existing {@code publishEvent} code becomes messaging between services. Inside an
 * exactly-once listener the event is sent at once and joins the listener's Kafka transaction, like any other send
 * of that listener; anywhere else it goes through the {@link Outbox}: recorded with the database transaction, sent
 * after it commits (and not at all if it rolls back), retried until acknowledged.
 */
final class ApplicationEventForwarder implements ApplicationListener<PayloadApplicationEvent<?>> {
    private static final Logger log = LoggerFactory.getLogger(ApplicationEventForwarder.class);

    private final EventTemplate events;
    private final Outbox outbox;

    ApplicationEventForwarder(EventTemplate events, Outbox outbox) {
        this.events = events;
        this.outbox = outbox;
    }

    @Override
    public void onApplicationEvent(PayloadApplicationEvent<?> event) {
        Object payload = event.getPayload();
        if (AnnotatedElementUtils.findMergedAnnotation(payload.getClass(), Topic.class) == null) {
            return;
        }
        String topic = events.topicOf(payload);
        if (events.inTransaction()) {
            // A failed send fails the Kafka transaction's commit, so the listener's record is redelivered.
            events.send(topic, null, payload).whenComplete((metadata, failure) -> {
                if (failure != null) {
                    log.warn("Could not send application event {} to topic {} in the listener's transaction: {}",
                            payload.getClass().getName(), topic, failure.toString());
                }
            });
        } else {
            outbox.publish(topic, payload);
        }
    }
}
