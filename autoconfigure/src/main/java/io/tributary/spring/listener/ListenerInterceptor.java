package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.BatchInterceptor;
import org.springframework.kafka.listener.RecordInterceptor;

/**
 * Runs on the consumer thread around each listener call: times it for {@link ListenerMetrics} and, for
 * at-most-once, commits the record's offset <em>before</em> the listener sees it, so a failure or a crash in the
 * listener can lose the record but never deliver it twice.
 */
final class ListenerInterceptor implements RecordInterceptor<Object, Object>, BatchInterceptor<Object, Object> {
    private static final Logger log = LoggerFactory.getLogger(ListenerInterceptor.class);
    private final boolean commitBeforeProcessing;
    private final ListenerMetrics metrics;
    private final ThreadLocal<Long> startNanos = new ThreadLocal<>();

    ListenerInterceptor(DeliverySemantics semantics, ListenerMetrics metrics) {
        this.commitBeforeProcessing = semantics == DeliverySemantics.AT_MOST_ONCE;
        this.metrics = metrics;
    }

    @Override
    public ConsumerRecord<Object, Object> intercept(ConsumerRecord<Object, Object> record,
                                                    Consumer<Object, Object> consumer) {
        if (commitBeforeProcessing) {
            consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1)));
        }
        startNanos.set(System.nanoTime());
        return record;
    }

    @Override
    public void success(ConsumerRecord<Object, Object> record, Consumer<Object, Object> consumer) {
        metrics.processed(record.topic(), groupId(consumer), elapsed());
    }

    @Override
    public void failure(ConsumerRecord<Object, Object> record, Exception exception, Consumer<Object, Object> consumer) {
        startNanos.remove();
        log.warn("Listener failed on {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                rootMessage(exception));
        metrics.failed(record.topic(), groupId(consumer));
    }

    @Override
    public ConsumerRecords<Object, Object> intercept(ConsumerRecords<Object, Object> records,
                                                     Consumer<Object, Object> consumer) {
        if (commitBeforeProcessing && !records.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : records.partitions()) {
                var partitionRecords = records.records(partition);
                offsets.put(partition, new OffsetAndMetadata(partitionRecords.get(partitionRecords.size() - 1).offset() + 1));
            }
            consumer.commitSync(offsets);
        }
        startNanos.set(System.nanoTime());
        return records;
    }

    @Override
    public void success(ConsumerRecords<Object, Object> records, Consumer<Object, Object> consumer) {
        long nanos = elapsed();
        String groupId = groupId(consumer);
        for (TopicPartition partition : records.partitions()) {
            metrics.processed(partition.topic(), groupId, nanos);
        }
    }

    @Override
    public void failure(ConsumerRecords<Object, Object> records, Exception exception, Consumer<Object, Object> consumer) {
        startNanos.remove();
        log.warn("Batch listener failed on {} records of {}: {}", records.count(), records.partitions(),
                rootMessage(exception));
        String groupId = groupId(consumer);
        for (TopicPartition partition : records.partitions()) {
            metrics.failed(partition.topic(), groupId);
        }
    }

    /** The innermost cause: what the listener (or the conversion of its arguments) actually threw. */
    private static String rootMessage(Throwable exception) {
        Throwable root = exception;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }

    private long elapsed() {
        Long start = startNanos.get();
        startNanos.remove();
        return start == null ? 0 : System.nanoTime() - start;
    }

    private static String groupId(Consumer<?, ?> consumer) {
        return consumer.groupMetadata().groupId();
    }
}
