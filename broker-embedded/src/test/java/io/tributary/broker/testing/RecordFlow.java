package io.tributary.broker.testing;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A producer that keeps writing to a topic in the background until stopped, so consumers can join and leave while
 * records flow. Record {@code i} has key {@code k-i} and value {@code v-i} and goes to the partition its key hashes
 * to. Every acknowledged record is remembered by partition and offset, which is what a test compares the
 * consumers' work against.
 */
public final class RecordFlow implements AutoCloseable {
    // 10 records every 10 ms: 1,000 records/s, enough for every partition to see records during each rebalance
    // without loading a two-core machine.
    private static final int RECORDS_PER_TICK = 10;
    private static final Duration TICK = Duration.ofMillis(10);

    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "record-flow");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger next = new AtomicInteger();
    private final Map<TopicPartition, NavigableMap<Long, String>> acknowledged = new ConcurrentHashMap<>();
    private final AtomicInteger acknowledgedCount = new AtomicInteger();
    private final Queue<Exception> failures = new ConcurrentLinkedQueue<>();

    private RecordFlow(String bootstrapServers, String topic) {
        this.producer = Clients.producer(bootstrapServers);
        this.topic = topic;
    }

    /** Starts writing to {@code topic}. */
    public static RecordFlow start(String bootstrapServers, String topic) {
        var flow = new RecordFlow(bootstrapServers, topic);
        flow.ticker.scheduleAtFixedRate(flow::sendTick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        return flow;
    }

    private void sendTick() {
        for (int n = 0; n < RECORDS_PER_TICK; n++) {
            int i = next.getAndIncrement();
            String key = "k-" + i;
            producer.send(new ProducerRecord<>(topic, key, "v-" + i), (metadata, error) -> {
                if (error != null) {
                    failures.add(error);
                    return;
                }
                acknowledged.computeIfAbsent(new TopicPartition(metadata.topic(), metadata.partition()),
                        p -> new ConcurrentSkipListMap<>()).put(metadata.offset(), key);
                acknowledgedCount.incrementAndGet();
            });
        }
    }

    public int acknowledgedCount() {
        return acknowledgedCount.get();
    }

    /**
     * Stops writing and waits for every outstanding acknowledgement.
     *
     * @return every acknowledged record's key, by partition and offset
     * @throws AssertionError if any send failed
     */
    public Map<TopicPartition, NavigableMap<Long, String>> stop() throws InterruptedException {
        ticker.shutdown();
        if (!ticker.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new AssertionError("The producer tick did not finish within 10 s");
        }
        producer.flush();
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " sends failed, the first: " + failures.peek(), failures.peek());
        }
        var copy = new HashMap<TopicPartition, NavigableMap<Long, String>>();
        acknowledged.forEach((partition, keys) -> copy.put(partition, new TreeMap<>(keys)));
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        producer.close(Duration.ofSeconds(10));
    }
}
