package io.tributary.spring.actuate;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.metrics.RequestStats;
import io.tributary.broker.server.Broker;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The embedded broker's meters, read from its own counters when a registry is scraped (nothing is recorded on
 * the broker's request path for Micrometer):
 * <ul>
 *   <li>{@code tributary.broker.bytes.in}, {@code .bytes.out}, {@code .records.in}: counters, and the same per
 *       {@code topic} as {@code tributary.broker.topic.bytes.in}, ... (one name, one set of tag keys);</li>
 *   <li>{@code tributary.broker.requests}: a timer per {@code api} (request rate and latency), and
 *       {@code tributary.broker.request.errors} per {@code api};</li>
 *   <li>{@code tributary.broker.partitions}, {@code .partitions.offline}, {@code .partitions.under.replicated},
 *       {@code .log.size}: gauges.</li>
 * </ul>
 * Per-API and per-topic meters appear for APIs and topics the broker has seen, checked again by
 * {@link #registerNew()}.
 */
final class BrokerMeters implements MeterBinder {
    private final Broker broker;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private MeterRegistry registry;

    /** {@code broker} is null in external mode: then there is nothing to measure. */
    BrokerMeters(Broker broker) {
        this.broker = broker;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (broker == null) {
            return;
        }
        this.registry = registry;
        BrokerMetrics metrics = broker.metrics();
        counter("tributary.broker.bytes.in", "Record bytes appended by produce requests", "bytes",
                metrics, BrokerMetrics::bytesIn);
        counter("tributary.broker.bytes.out", "Record bytes returned by fetch requests", "bytes",
                metrics, BrokerMetrics::bytesOut);
        counter("tributary.broker.records.in", "Records appended by produce requests", "records",
                metrics, BrokerMetrics::recordsIn);
        Gauge.builder("tributary.broker.partitions", broker, b -> b.status().partitionCount())
                .description("Partitions on this node, internal topics included").register(registry);
        Gauge.builder("tributary.broker.partitions.offline", broker, b -> b.status().offlinePartitions())
                .description("Partitions without a leader or whose log is offline").register(registry);
        Gauge.builder("tributary.broker.partitions.under.replicated", broker,
                b -> b.status().underReplicatedPartitions())
                .description("Partitions whose ISR is smaller than their replica set").register(registry);
        Gauge.builder("tributary.broker.log.size", broker, b -> b.status().logSizeBytes()).baseUnit("bytes")
                .description("Bytes of all partition logs on this node").register(registry);
        registerNew();
    }

    /** Registers meters for APIs and topics that appeared since the last call. */
    void registerNew() {
        if (registry == null) {
            return;
        }
        BrokerMetrics metrics = broker.metrics();
        for (RequestStats stats : metrics.requests()) {
            String api = stats.api();
            if (registered.add("api:" + api)) {
                FunctionTimer.builder("tributary.broker.requests", metrics,
                                m -> find(m, api).count(), m -> find(m, api).totalTimeNanos(), TimeUnit.NANOSECONDS)
                        .description("Requests handled, from received to answered").tag("api", api)
                        .register(registry);
                FunctionCounter.builder("tributary.broker.request.errors", metrics, m -> find(m, api).errors())
                        .description("Requests answered with an error code").tag("api", api).register(registry);
            }
        }
        topicCounters("tributary.broker.topic.bytes.in", "bytes", metrics.bytesInPerTopic(),
                BrokerMetrics::bytesInPerTopic);
        topicCounters("tributary.broker.topic.bytes.out", "bytes", metrics.bytesOutPerTopic(),
                BrokerMetrics::bytesOutPerTopic);
        topicCounters("tributary.broker.topic.records.in", "records", metrics.recordsInPerTopic(),
                BrokerMetrics::recordsInPerTopic);
    }

    private void topicCounters(String name, String unit, Map<String, Long> current,
                               java.util.function.Function<BrokerMetrics, Map<String, Long>> read) {
        for (String topic : current.keySet()) {
            if (registered.add(name + ":" + topic)) {
                FunctionCounter.builder(name, broker.metrics(), m -> read.apply(m).getOrDefault(topic, 0L))
                        .baseUnit(unit).tag("topic", topic).register(registry);
            }
        }
    }

    private void counter(String name, String description, String unit, BrokerMetrics metrics,
                         ToDoubleFunction<BrokerMetrics> value) {
        FunctionCounter.builder(name, metrics, value).description(description).baseUnit(unit).register(registry);
    }

    private static RequestStats find(BrokerMetrics metrics, String api) {
        return metrics.requests().stream().filter(stats -> stats.api().equals(api)).findFirst()
                .orElse(new RequestStats(api, 0, 0, 0, 0));
    }
}
