package io.tributary.spring.outbox;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.TributaryProperties;
import java.time.Instant;
import java.util.Collection;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * The outbox without a database: an event is sent after the transaction commits (at once outside one) and resent
 * with back-off until the broker acknowledges it, however long that takes: at least once while the process lives.
 * An event is lost only if the process stops before the acknowledgement, which is logged at ERROR with the events.
 */
final class InMemoryOutbox implements Outbox, PublicationSender.Outcome, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(InMemoryOutbox.class);

    private final PublicationSender sender;

    InMemoryOutbox(EventTemplate events, TributaryProperties.Outbox settings) {
        // Never given up while the process runs: there is no table to resend it from later.
        this.sender = new PublicationSender(events, settings, Integer.MAX_VALUE);
    }

    @Override
    public void publish(String topic, Object event) {
        var publication = new Publication(UUID.randomUUID(), topic, event, Instant.now());
        AfterCommit.run(() -> sender.submit(publication, this));
    }

    @Override
    public void acknowledged(Publication publication) {
    }

    @Override
    public void failed(Publication publication, int attempt, Throwable failure) {
        log.warn("Send of application event {} to topic {} failed (attempt {}), retrying: {}",
                publication.event().getClass().getName(), publication.topic(), attempt, failure.toString());
    }

    @Override
    public void gaveUp(Publication publication, int attempts, Throwable failure) {
        // Unreachable: the sender retries without limit.
        failed(publication, attempts, failure);
    }

    @Override
    public void destroy() {
        Collection<Publication> pending = sender.stop();
        if (!pending.isEmpty()) {
            log.error("{} application events were not acknowledged by the broker before shutdown and are lost: {}",
                    pending.size(), pending.stream().map(Publication::event).toList());
        }
    }
}
