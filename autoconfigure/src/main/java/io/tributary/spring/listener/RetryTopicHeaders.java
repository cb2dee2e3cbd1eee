package io.tributary.spring.listener;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer.SingleRecordHeader;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * The headers of a record in a retry topic, besides the record's own:
 *
 * <pre>
 * tributary-retry-attempt           "2"              delivery attempt it is waiting for (text); 1 = held, not failed
 * tributary-retry-due               "1767225600000"  epoch millis before which it is not delivered (text)
 * kafka_dlt-original-topic          "orders"         where it was first consumed (spring-kafka's encodings:
 * kafka_dlt-original-partition      int32             UTF-8, big-endian int and long); set by the first forward,
 * kafka_dlt-original-offset         int64             kept by later ones
 * kafka_dlt-original-timestamp(-type)
 * kafka_dlt-exception-fqcn, -cause-fqcn, -message, -stacktrace   the last failure; absent on a held record
 * </pre>
 *
 * The attempt and due time are text so that {@code kcat -f '%h'} shows them; the original headers are spring-kafka's,
 * so a record that ends in the dead-letter topic names the record it started as, like any dead letter. On the
 * listened-to topic these headers mean nothing ({@link #firstLife}): a dead letter copied back there starts afresh.
 */
final class RetryTopicHeaders {
    static final String ATTEMPT = "tributary-retry-attempt";
    static final String DUE = "tributary-retry-due";
    private static final Set<String> OF_AN_EARLIER_LIFE = Set.of(ATTEMPT, DUE, KafkaHeaders.DLT_ORIGINAL_TOPIC,
            KafkaHeaders.DLT_ORIGINAL_PARTITION, KafkaHeaders.DLT_ORIGINAL_OFFSET, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP,
            KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE, KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP);

    private RetryTopicHeaders() {
    }

    /*
     * Headers come from the wire: one that a producer outside Tributary mangled must not make a record fail
     * forever (its failure is handled by reading the same header again), so unreadable values have defaults.
     */

    /**
     * The delivery attempt {@code record} is on: 1 for a record of the listened-to topic; an unreadable attempt
     * counts as the last, so that a failure sends the record to the dead-letter topic.
     */
    static int attempt(ConsumerRecord<?, ?> record) {
        String text = text(record.headers().lastHeader(ATTEMPT));
        try {
            return text == null ? 1 : Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** When {@code record} may be delivered, in epoch millis: 0 (now) without a readable header. */
    static long dueMs(ConsumerRecord<?, ?> record) {
        String text = text(record.headers().lastHeader(DUE));
        try {
            return text == null ? 0 : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The offset {@code record} had in the listened-to topic: the order of the records of one key there, which
     * {@link RetryTopicKeyOrder} keeps. Its own offset without a readable header.
     */
    static long originalOffset(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_OFFSET);
        return header == null || header.value() == null || header.value().length != Long.BYTES ? record.offset()
                : ByteBuffer.wrap(header.value()).getLong();
    }

    /**
     * A record of the listened-to topic without the retry and original headers it may bring from an earlier life (a
     * dead letter replayed onto the topic): it starts at attempt 1, from where it is now.
     */
    static <K, V> ConsumerRecord<K, V> firstLife(ConsumerRecord<K, V> record) {
        if (StreamSupport.stream(record.headers().spliterator(), false)
                .noneMatch(header -> OF_AN_EARLIER_LIFE.contains(header.key()))) {
            return record;
        }
        var headers = new RecordHeaders();
        record.headers().forEach(header -> {
            if (!OF_AN_EARLIER_LIFE.contains(header.key())) {
                headers.add(header);
            }
        });
        return new ConsumerRecord<>(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.timestampType(), record.serializedKeySize(), record.serializedValueSize(), record.key(),
                record.value(), headers, record.leaderEpoch());
    }

    static Header attempt(int attempt) {
        return new SingleRecordHeader(ATTEMPT, String.valueOf(attempt).getBytes(StandardCharsets.UTF_8));
    }

    static Header due(long dueMs) {
        return new SingleRecordHeader(DUE, String.valueOf(dueMs).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Adds to {@code headers} what a held record carries: where it came from (unless it already says so) and, for a
     * record of the listened-to topic, attempt 1 due now.
     */
    static void addHeld(Headers headers, ConsumerRecord<?, ?> record, long nowMs) {
        if (headers.lastHeader(KafkaHeaders.DLT_ORIGINAL_TOPIC) == null) {
            headers.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, record.topic().getBytes(StandardCharsets.UTF_8));
            headers.add(KafkaHeaders.DLT_ORIGINAL_PARTITION,
                    ByteBuffer.allocate(Integer.BYTES).putInt(record.partition()).array());
            headers.add(KafkaHeaders.DLT_ORIGINAL_OFFSET,
                    ByteBuffer.allocate(Long.BYTES).putLong(record.offset()).array());
            headers.add(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP,
                    ByteBuffer.allocate(Long.BYTES).putLong(record.timestamp()).array());
            headers.add(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP_TYPE,
                    record.timestampType().toString().getBytes(StandardCharsets.UTF_8));
        }
        if (headers.lastHeader(ATTEMPT) == null) {
            headers.add(attempt(1));
            headers.add(due(nowMs));
        }
    }

    private static String text(Header header) {
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
