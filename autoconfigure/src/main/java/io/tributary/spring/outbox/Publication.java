package io.tributary.spring.outbox;

import java.time.Instant;
import java.util.UUID;

/** One event forwarded from {@code publishEvent}, to be sent to {@code topic} until the broker acknowledges it. */
record Publication(UUID id, String topic, Object event, Instant publishedAt) {
}
