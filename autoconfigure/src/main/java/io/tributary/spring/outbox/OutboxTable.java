package io.tributary.spring.outbox;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The rows of {@code tributary_event_publication}, one per forwarded event. Statements run through a
 * {@link JdbcTemplate}, which takes the connection of the current Spring transaction on the DataSource
 * (DataSourceTransactionManager or JpaTransactionManager), so {@link #insert} commits or rolls back with it.
 *
 * <pre>
 * id | topic | event_type | serialized_event (JSON) | publication_date | completion_date (null: pending) | attempts | last_error
 * </pre>
 */
final class OutboxTable {
    static final String TABLE = "tributary_event_publication";
    private static final int MAX_ERROR_CHARS = 1000;

    /** A row not completed yet, as read back for a resend. */
    record PendingRow(UUID id, String topic, String eventType, String serializedEvent, Instant publishedAt) {
    }

    private final JdbcTemplate jdbc;

    OutboxTable(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    void insert(Publication publication, String eventType, String serializedEvent) {
        jdbc.update("INSERT INTO " + TABLE + " (id, topic, event_type, serialized_event, publication_date, attempts)"
                        + " VALUES (?, ?, ?, ?, ?, 0)", publication.id().toString(), publication.topic(), eventType,
                serializedEvent, Timestamp.from(publication.publishedAt()));
    }

    void complete(UUID id, Instant completedAt) {
        jdbc.update("UPDATE " + TABLE + " SET completion_date = ? WHERE id = ?", Timestamp.from(completedAt),
                id.toString());
    }

    void failed(UUID id, Throwable failure) {
        String error = String.valueOf(failure);
        jdbc.update("UPDATE " + TABLE + " SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) : error, id.toString());
    }

    /** Incomplete rows published before {@code cutoff}, oldest first. */
    List<PendingRow> pendingBefore(Instant cutoff) {
        return jdbc.query("SELECT id, topic, event_type, serialized_event, publication_date FROM " + TABLE
                        + " WHERE completion_date IS NULL AND publication_date <= ? ORDER BY publication_date",
                (rows, index) -> new PendingRow(UUID.fromString(rows.getString(1)), rows.getString(2),
                        rows.getString(3), rows.getString(4), rows.getTimestamp(5).toInstant()),
                Timestamp.from(cutoff));
    }

    /** Deletes rows completed before {@code cutoff}; returns how many. */
    int deleteCompletedBefore(Instant cutoff) {
        return jdbc.update("DELETE FROM " + TABLE + " WHERE completion_date IS NOT NULL AND completion_date < ?",
                Timestamp.from(cutoff));
    }
}
