package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.exporter.FinishedSpan;
import io.micrometer.tracing.exporter.SpanReporter;
import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.messaging.handler.annotation.Header;

/**
 * With Spring Boot's tracing (the Brave bridge) and spring-kafka's {@code observation-enabled} switches on, a trace
 * started by the application runs through {@link EventTemplate} into {@code @TopicListener} methods of every
 * delivery semantics, and on through a send from inside an exactly-once listener: the record carries a W3C
 * {@code traceparent} header and the listener runs in a span of the sender's trace. Each switch is honoured on its
 * own: with the template's off (the default) no trace header is sent, with the listener's off no listener observation
 * is recorded.
 */
class TracingTest {
    private static final List<String> LISTENERS = List.of("at-most-once", "at-least-once", "exactly-once", "receipt");

    @Topic(name = "trace-orders")
    record OrderPlaced(String id) {
    }

    @Topic(name = "trace-receipts")
    record ReceiptIssued(String id) {
    }

    /** What a listener saw of one event: the trace it ran in (null outside any) and the record's trace header. */
    record Seen(String traceId, String traceparent) {
    }

    static class Listeners {
        /** By "listener/event id". */
        final Map<String, Seen> seen = new ConcurrentHashMap<>();
        private final Tracer tracer;
        private final EventTemplate events;

        Listeners(Tracer tracer, EventTemplate events) {
            this.tracer = tracer;
            this.events = events;
        }

        @TopicListener(groupId = "trace-at-most-once", delivery = DeliverySemantics.AT_MOST_ONCE)
        void atMostOnce(OrderPlaced order, @Header(name = "traceparent", required = false) String traceparent) {
            record("at-most-once", order.id(), traceparent);
        }

        @TopicListener(groupId = "trace-at-least-once", delivery = DeliverySemantics.AT_LEAST_ONCE)
        void atLeastOnce(OrderPlaced order, @Header(name = "traceparent", required = false) String traceparent) {
            record("at-least-once", order.id(), traceparent);
        }

        /** Sends on inside its transaction: through the exactly-once template, which the listener's span parents. */
        @TopicListener(groupId = "trace-exactly-once", delivery = DeliverySemantics.EXACTLY_ONCE)
        void exactlyOnce(OrderPlaced order, @Header(name = "traceparent", required = false) String traceparent) {
            record("exactly-once", order.id(), traceparent);
            events.publish(order.id(), new ReceiptIssued(order.id()));
        }

        @TopicListener(groupId = "trace-receipts")
        void receipt(ReceiptIssued receipt, @Header(name = "traceparent", required = false) String traceparent) {
            record("receipt", receipt.id(), traceparent);
        }

        private void record(String listener, String eventId, String traceparent) {
            Span span = tracer.currentSpan();
            seen.put(listener + "/" + eventId, new Seen(span == null ? null : span.context().traceId(), traceparent));
        }
    }

    /** The finished spans, as an exporter (Zipkin, OTLP) would get them. */
    static class FinishedSpans implements SpanReporter {
        final List<FinishedSpan> spans = new CopyOnWriteArrayList<>();

        @Override
        public void report(FinishedSpan span) {
            spans.add(span);
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Listeners listeners(Tracer tracer, EventTemplate events) {
            return new Listeners(tracer, events);
        }

        @Bean
        FinishedSpans finishedSpans() {
            return new FinishedSpans();
        }
    }

    @Test
    void traceRunsFromEventTemplateThroughListenersOfEverySemantics() {
        try (var context = start("spring.kafka.template.observation-enabled=true",
                "spring.kafka.listener.observation-enabled=true")) {
            Map<String, String> senderTraces = publishInTraces(context);

            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> listeners.seen.size() == 2 * LISTENERS.size());
            senderTraces.forEach((eventId, traceId) -> LISTENERS.forEach(listener -> {
                Seen seen = listeners.seen.get(listener + "/" + eventId);
                assertThat(seen.traceId()).as("trace of %s receiving %s", listener, eventId).isEqualTo(traceId);
                // W3C trace context: 00-<trace id>-<parent span id>-<flags>, the default propagation type.
                assertThat(seen.traceparent()).as("traceparent %s received with %s", listener, eventId)
                        .startsWith("00-" + traceId + "-");
            }));

            // Each listener's invocations were observations: timed, and finished as consumer spans of the trace.
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            for (String group : List.of("trace-at-most-once", "trace-at-least-once", "trace-exactly-once",
                    "trace-receipts")) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.find(
                        "spring.kafka.listener").tag("messaging.kafka.consumer.group", group).timers())
                        .as("listener timers of %s", group).isNotEmpty()
                        .allSatisfy(timer -> assertThat(timer.count()).isEqualTo(2)));
            }
            assertThat(meters.find("spring.kafka.template").tagKeys("messaging.system").timers()).isNotEmpty();
            FinishedSpans finished = context.getBean(FinishedSpans.class);
            for (String traceId : senderTraces.values()) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(finished.spans.stream()
                        .filter(span -> traceId.equals(span.getTraceId()))
                        .map(span -> span.getKind() + " " + span.getName()).toList())
                        .contains("PRODUCER trace-orders send", "PRODUCER trace-receipts send",
                                "CONSUMER trace-receipts process")
                        .filteredOn(span -> span.equals("CONSUMER trace-orders process")).hasSize(3));
            }
        }
    }

    @Test
    void observationSwitchesLeftAtTheirDefaultSendNoTraceHeader() {
        try (var context = start()) {
            Map<String, String> senderTraces = publishInTraces(context);

            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> listeners.seen.size() == 2 * LISTENERS.size());
            assertThat(listeners.seen).allSatisfy((key, seen) -> {
                assertThat(seen.traceparent()).as("traceparent received by %s", key).isNull();
                assertThat(seen.traceId()).as("trace of %s", key).isNull();
            });
            // spring-kafka's plain timers (tags name, result) go on; observations would add the messaging.* tags.
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find("spring.kafka.listener").timers()).isNotEmpty();
            assertThat(meters.find("spring.kafka.listener").tagKeys("messaging.system").timers()).isEmpty();
            assertThat(meters.find("spring.kafka.template").tagKeys("messaging.system").timers()).isEmpty();
        }
    }

    @Test
    void listenerSwitchOffLeavesListenersUnobservedThoughRecordsCarryTheTrace() {
        try (var context = start("spring.kafka.template.observation-enabled=true")) {
            Map<String, String> senderTraces = publishInTraces(context);

            Listeners listeners = context.getBean(Listeners.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> listeners.seen.size() == 2 * LISTENERS.size());
            senderTraces.forEach((eventId, traceId) -> {
                for (String listener : List.of("at-most-once", "at-least-once", "exactly-once")) {
                    Seen seen = listeners.seen.get(listener + "/" + eventId);
                    assertThat(seen.traceparent()).as("traceparent %s received", listener)
                            .startsWith("00-" + traceId + "-");
                    assertThat(seen.traceId()).as("trace of %s", listener).isNull();
                }
                // Sent from a listener that runs in no span, the receipt starts a trace of its own: the trace
                // breaks at an unobserved listener.
                Seen receipt = listeners.seen.get("receipt/" + eventId);
                assertThat(receipt.traceparent()).startsWith("00-").doesNotContain(traceId);
                assertThat(receipt.traceId()).isNull();
            });
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find("spring.kafka.listener").tagKeys("messaging.system").timers()).isEmpty();
        }
    }

    private static ConfigurableApplicationContext start(String... properties) {
        var all = new ArrayList<>(List.of("spring.application.name=tracing-test", "tributary.broker.ephemeral=true",
                "management.tracing.sampling.probability=1.0"));
        all.addAll(List.of(properties));
        return new SpringApplicationBuilder(App.class).properties(all.toArray(String[]::new)).run();
    }

    /**
     * Publishes one event through the default (at-least-once) template and one in an explicit Kafka transaction
     * (the exactly-once template), each inside an observation of its own; returns each event's trace id.
     */
    private static Map<String, String> publishInTraces(ConfigurableApplicationContext context) {
        EventTemplate events = context.getBean(EventTemplate.class);
        ObservationRegistry observations = context.getBean(ObservationRegistry.class);
        Tracer tracer = context.getBean(Tracer.class);
        Map<String, String> traces = new ConcurrentHashMap<>();
        Observation.createNotStarted("checkout", observations).observe(() -> {
            traces.put("o-1", tracer.currentSpan().context().traceId());
            events.publish("o-1", new OrderPlaced("o-1")).join();
        });
        Observation.createNotStarted("checkout", observations).observe(() -> {
            traces.put("o-2", tracer.currentSpan().context().traceId());
            events.executeInTransaction(template -> template.publish("o-2", new OrderPlaced("o-2"))).join();
        });
        // Empty ids come from Spring Boot's no-op tracer: the Brave bridge is not on the test classpath.
        assertThat(traces.values()).as("trace ids (io.micrometer:micrometer-tracing-bridge-brave present?)")
                .doesNotContain("").doesNotHaveDuplicates();
        return traces;
    }
}
