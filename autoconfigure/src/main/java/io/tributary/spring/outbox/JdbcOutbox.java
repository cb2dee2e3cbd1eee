package io.tributary.spring.outbox;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.TributaryProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.ClassUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * The transactional outbox: a forwarded event is written to {@code tributary_event_publication} in the publishing
 * database transaction, sent once that transaction commits (not at all if it rolls back), and its row marked
 * completed when the broker acknowledges it. Rows still incomplete after {@code resubmit-after} (a failed send, or
 * an instance that died between commit and acknowledgement) are sent again at startup and every
 * {@code resubmit-interval}: at least once to Kafka, a duplicate possible after a crash.
 */
final class JdbcOutbox implements Outbox, PublicationSender.Outcome, SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(JdbcOutbox.class);

    private final OutboxTable table;
    private final JsonMapper json;
    private final TributaryProperties.Outbox settings;
    private final Clock clock;
    private final PublicationSender sender;
    private volatile boolean running;

    JdbcOutbox(OutboxTable table, EventTemplate events, JsonMapper json, TributaryProperties.Outbox settings,
               Clock clock) {
        this.table = table;
        this.json = json;
        this.settings = settings;
        this.clock = clock;
        this.sender = new PublicationSender(events, settings, settings.getMaxAttempts());
    }

    @Override
    public void publish(String topic, Object event) {
        var publication = new Publication(UUID.randomUUID(), topic, event, clock.instant());
        table.insert(publication, event.getClass().getName(), json.writeValueAsString(event));
        AfterCommit.run(() -> sender.submit(publication, this));
    }

    @Override
    public void acknowledged(Publication publication) {
        table.complete(publication.id(), clock.instant());
    }

    @Override
    public void failed(Publication publication, int attempt, Throwable failure) {
        table.failed(publication.id(), failure);
        log.warn("Send of application event {} to topic {} failed (attempt {}), retrying: {}",
                publication.event().getClass().getName(), publication.topic(), attempt, failure.toString());
    }

    @Override
    public void gaveUp(Publication publication, int attempts, Throwable failure) {
        table.failed(publication.id(), failure);
        log.warn("Send of application event {} to topic {} failed {} times; it stays in the outbox and is resent "
                + "after {}", publication.event().getClass().getName(), publication.topic(), attempts,
                settings.getResubmitInterval());
    }

    /** Resends what an earlier run (or a failed send) left incomplete, then deletes expired completed rows. */
    void resubmitPending() {
        Instant now = clock.instant();
        for (OutboxTable.PendingRow row : table.pendingBefore(now.minus(settings.getResubmitAfter()))) {
            if (sender.isInFlight(row.id())) {
                continue;
            }
            Object event;
            try {
                event = json.readValue(row.serializedEvent(), ClassUtils.forName(row.eventType(), null));
            } catch (ClassNotFoundException | RuntimeException e) {
                log.error("Outbox row {} (topic {}) cannot be read back as {}, left incomplete: {}", row.id(),
                        row.topic(), row.eventType(), e.toString());
                continue;
            }
            log.info("Resending application event {} to topic {}, published {} and not acknowledged",
                    row.eventType(), row.topic(), row.publishedAt());
            sender.submit(new Publication(row.id(), row.topic(), event, row.publishedAt()), this);
        }
        table.deleteCompletedBefore(now.minus(settings.getCompletedRetention()));
    }

    @Override
    public void start() {
        running = true;
        sender.schedule(this::resubmitPending, settings.getResubmitInterval());
    }

    @Override
    public void stop() {
        running = false;
        Collection<Publication> pending = sender.stop();
        if (!pending.isEmpty()) {
            log.warn("{} application events were not acknowledged by the broker before shutdown; they stay in the "
                    + "outbox table and are resent at the next start", pending.size());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
