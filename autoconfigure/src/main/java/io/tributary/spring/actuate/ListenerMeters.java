package io.tributary.spring.actuate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tributary.spring.listener.ListenerMetrics;
import java.util.concurrent.TimeUnit;

/**
 * Listener meters, tagged by topic and consumer group:
 * {@code tributary.listener.processing} (timer: records a listener handled, and how long it took),
 * {@code tributary.listener.failures} (failed deliveries, retries included) and
 * {@code tributary.listener.dead.letters} (records sent to a dead-letter topic).
 */
final class ListenerMeters implements ListenerMetrics {
    private final MeterRegistry registry;

    ListenerMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void processed(String topic, String groupId, long nanos) {
        Timer.builder("tributary.listener.processing").description("Records handled by listeners, and how long each took")
                .tags("topic", topic, "group", groupId).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void failed(String topic, String groupId) {
        Counter.builder("tributary.listener.failures").description("Listener deliveries that threw, retries included")
                .tags("topic", topic, "group", groupId).register(registry).increment();
    }

    @Override
    public void deadLettered(String topic, String groupId) {
        Counter.builder("tributary.listener.dead.letters").description("Records sent to a dead-letter topic")
                .tags("topic", topic, "group", groupId).register(registry).increment();
    }
}
