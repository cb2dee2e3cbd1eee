package io.tributary.broker.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A broker node's own counters: record bytes and records produced, record bytes fetched by consumers, and per
 * Kafka API the requests handled, how many failed and how long they took. Live and thread-safe; recording is a few
 * {@link LongAdder} increments (the per-topic and per-API holders are created once, on first sight), so the
 * produce and fetch paths allocate nothing for it. Embedders read it through {@code Broker#metrics()}; only JDK
 * types cross this API (the broker's kafka-clients classes are relocated in its published jar).
 */
public final class BrokerMetrics {
    private final Map<String, TopicCounters> topics = new ConcurrentHashMap<>();
    private final Map<String, ApiCounters> apis = new ConcurrentHashMap<>();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder recordsIn = new LongAdder();

    private static final class TopicCounters {
        final LongAdder bytesIn = new LongAdder();
        final LongAdder bytesOut = new LongAdder();
        final LongAdder recordsIn = new LongAdder();
    }

    private static final class ApiCounters {
        final LongAdder count = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder totalNanos = new LongAdder();
        final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);
    }

    /** A produce request appended {@code records} records in {@code bytes} bytes of batches to {@code topic}. */
    public void recordProduced(String topic, long bytes, long records) {
        bytesIn.add(bytes);
        recordsIn.add(records);
        TopicCounters counters = topic(topic);
        counters.bytesIn.add(bytes);
        counters.recordsIn.add(records);
    }

    /** A consumer's fetch returned {@code bytes} bytes of record batches of {@code topic}. */
    public void recordFetched(String topic, long bytes) {
        bytesOut.add(bytes);
        topic(topic).bytesOut.add(bytes);
    }

    /** A request of {@code api} was answered {@code nanos} after it was received; {@code error} if with an error. */
    public void recordRequest(String api, long nanos, boolean error) {
        ApiCounters counters = apis.computeIfAbsent(api, name -> new ApiCounters());
        counters.count.increment();
        counters.totalNanos.add(nanos);
        counters.maxNanos.accumulate(nanos);
        if (error) {
            counters.errors.increment();
        }
    }

    private TopicCounters topic(String topic) {
        TopicCounters counters = topics.get(topic);
        return counters != null ? counters : topics.computeIfAbsent(topic, name -> new TopicCounters());
    }

    /** Record-batch bytes appended by produce requests, all topics. */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** Record-batch bytes returned to consumers by fetch requests, all topics. */
    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Records appended by produce requests, all topics. */
    public long recordsIn() {
        return recordsIn.sum();
    }

    public Map<String, Long> bytesInPerTopic() {
        return perTopic(counters -> counters.bytesIn.sum());
    }

    public Map<String, Long> bytesOutPerTopic() {
        return perTopic(counters -> counters.bytesOut.sum());
    }

    public Map<String, Long> recordsInPerTopic() {
        return perTopic(counters -> counters.recordsIn.sum());
    }

    private Map<String, Long> perTopic(java.util.function.ToLongFunction<TopicCounters> value) {
        Map<String, Long> snapshot = new TreeMap<>();
        topics.forEach((topic, counters) -> snapshot.put(topic, value.applyAsLong(counters)));
        return snapshot;
    }

    /** One entry per API that has been called at least once, by name (Kafka's {@code ApiKeys} names, e.g. PRODUCE). */
    public List<RequestStats> requests() {
        List<RequestStats> stats = new ArrayList<>();
        apis.forEach((api, counters) -> stats.add(new RequestStats(api, counters.count.sum(), counters.errors.sum(),
                counters.totalNanos.sum(), counters.maxNanos.get())));
        stats.sort(Comparator.comparing(RequestStats::api));
        return stats;
    }
}
