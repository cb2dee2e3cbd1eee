package io.tributary.spring.test;

import io.tributary.spring.listener.TopicListenerEnhancer.ListenerEndpoint;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How far listeners' consumer groups are behind their topics. A partition lags while records a listener would
 * read lie between its group's committed offset and the partition's end. That is more than "committed is less
 * than end": the commit marker of a transaction takes an offset that no listener ever commits past, so the gap
 * left below the end is probed with a read_committed consumer, which skips markers and aborted records.
 */
final class ListenerLag {
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private final Map<String, Object> config;

    ListenerLag(Map<String, Object> clientConfig) {
        this.config = clientConfig;
    }

    void await(List<ListenerEndpoint> endpoints, Duration timeout) {
        // Each check runs to its end (its calls are bounded by CALL_TIMEOUT), so the failure always reports a whole
        // measurement, even when one check takes longer than the timeout on a slow machine.
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last;
        while (true) {
            try {
                Map<String, Map<TopicPartition, Long>> lagging = lagging(endpoints);
                if (lagging.isEmpty()) {
                    return;
                }
                last = lagging;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for listeners to catch up", e);
            } catch (Exception e) {
                last = e.toString();
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("Listeners still behind after " + timeout + " (listener id = {partition ="
                        + " records not yet committed}): " + last);
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for listeners to catch up", e);
            }
        }
    }

    /** The lag of each endpoint that has any, by listener id. */
    private Map<String, Map<TopicPartition, Long>> lagging(List<ListenerEndpoint> endpoints) throws Exception {
        Map<String, Map<TopicPartition, Long>> lagging = new LinkedHashMap<>();
        try (Admin admin = Admin.create(config)) {
            for (ListenerEndpoint endpoint : endpoints) {
                if (endpoint.topics().isEmpty()) {
                    continue;
                }
                Map<TopicPartition, Long> lag = lag(admin, endpoint);
                if (!lag.isEmpty()) {
                    lagging.put(endpoint.id(), lag);
                }
            }
        }
        return lagging;
    }

    private Map<TopicPartition, Long> lag(Admin admin, ListenerEndpoint endpoint) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        admin.describeTopics(endpoint.topics()).allTopicNames().get(5, TimeUnit.SECONDS).values()
                .forEach(topic -> topic.partitions().forEach(partition ->
                        latest.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest())));
        var ends = get(admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all());
        Map<TopicPartition, OffsetAndMetadata> committed = get(admin.listConsumerGroupOffsets(endpoint.groupId())
                .partitionsToOffsetAndMetadata());
        Map<TopicPartition, Long> lag = new LinkedHashMap<>();
        ends.forEach((partition, info) -> {
            OffsetAndMetadata offset = committed.get(partition);
            long from = offset == null ? 0 : offset.offset();
            if (from < info.offset() && hasRecords(partition, from, info.offset())) {
                lag.put(partition, info.offset() - from);
            }
        });
        return lag;
    }

    private boolean hasRecords(TopicPartition partition, long from, long end) {
        Map<String, Object> probe = new HashMap<>(config);
        probe.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        probe.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (var consumer = new KafkaConsumer<>(probe, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, from);
            long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!consumer.poll(Duration.ofMillis(100)).isEmpty()) {
                    return true;
                }
                if (consumer.position(partition) >= end) {
                    return false;
                }
            }
            return true;
        }
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
