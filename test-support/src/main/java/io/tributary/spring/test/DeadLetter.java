package io.tributary.spring.test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * A record a listener gave up on, as found on a dead-letter topic, with the {@code kafka_dlt-*} headers that say
 * where it came from and why it failed decoded.
 *
 * @param key               the record's key
 * @param value             the record's value (JSON text for events)
 * @param originalTopic     the topic the listener read it from
 * @param originalPartition its partition there
 * @param originalOffset    its offset there
 * @param exceptionClass    class name of the exception that made the listener give up
 * @param causeClass        class name of that exception's cause, or null
 * @param exceptionMessage  the exception's message
 * @param record            the dead-letter record itself, with every header
 */
public record DeadLetter(String key, String value, String originalTopic, int originalPartition, long originalOffset,
                         String exceptionClass, String causeClass, String exceptionMessage,
                         ConsumerRecord<String, String> record) {

    static DeadLetter of(ConsumerRecord<String, String> record) {
        byte[] partition = header(record, KafkaHeaders.DLT_ORIGINAL_PARTITION);
        byte[] offset = header(record, KafkaHeaders.DLT_ORIGINAL_OFFSET);
        return new DeadLetter(record.key(), record.value(), text(record, KafkaHeaders.DLT_ORIGINAL_TOPIC),
                partition == null ? -1 : ByteBuffer.wrap(partition).getInt(),
                offset == null ? -1 : ByteBuffer.wrap(offset).getLong(),
                text(record, KafkaHeaders.DLT_EXCEPTION_FQCN), text(record, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN),
                text(record, KafkaHeaders.DLT_EXCEPTION_MESSAGE), record);
    }

    private static String text(ConsumerRecord<?, ?> record, String name) {
        byte[] value = header(record, name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private static byte[] header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : header.value();
    }
}
