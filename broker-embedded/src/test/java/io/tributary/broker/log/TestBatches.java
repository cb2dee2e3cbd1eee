package io.tributary.broker.log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;

/** Record batches and partition logs for the log package's unit tests. */
final class TestBatches {
    static final TopicPartition PARTITION = new TopicPartition("t", 0);

    private TestBatches() {
    }

    /**
     * One uncompressed batch at {@code baseOffset}: {@code records} records keyed "k0000".. and valued "v0000"..
     * by their offset, all at {@code timestamp}. Fixed-width keys make every one-record batch the same size.
     */
    static MemoryRecords batch(long baseOffset, long timestamp, int records) {
        var simple = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            simple[i] = new SimpleRecord(timestamp, bytes(key(baseOffset + i)), bytes(value(baseOffset + i)));
        }
        return MemoryRecords.withRecords(baseOffset, Compression.NONE, simple);
    }

    /** One batch with one record per timestamp, in the given order. */
    static MemoryRecords batchWithTimestamps(long baseOffset, long... timestamps) {
        var simple = new SimpleRecord[timestamps.length];
        for (int i = 0; i < timestamps.length; i++) {
            simple[i] = new SimpleRecord(timestamps[i], bytes(key(baseOffset + i)), bytes(value(baseOffset + i)));
        }
        return MemoryRecords.withRecords(baseOffset, Compression.NONE, simple);
    }

    static String key(long offset) {
        return String.format("k%04d", offset);
    }

    static String value(long offset) {
        return String.format("v%04d", offset);
    }

    static LogConfig config(Map<String, String> overrides) {
        return LogConfig.of(Map.of(), overrides);
    }

    static PartitionLog open(java.nio.file.Path dir, LogConfig config, long recoveryPoint, long logStartOffset,
                             long nowMs) {
        return PartitionLog.open(PARTITION, dir, config, recoveryPoint, logStartOffset,
                (deletion, delayMs) -> deletion.run(), nowMs);
    }

    /** Appends as leader (epoch 0) what a producer would send, validated first, as the broker does. */
    static LogAppendInfo append(PartitionLog log, MemoryRecords records, long nowMs) {
        var summary = RecordBatchValidator.validate(records, log.config(), nowMs);
        return log.appendAsLeader(records, summary, 0, nowMs);
    }

    static List<Long> offsets(Records records) {
        var offsets = new ArrayList<Long>();
        for (RecordBatch batch : records.batches()) {
            for (Record record : batch) {
                offsets.add(record.offset());
            }
        }
        return offsets;
    }

    static List<String> values(Records records) {
        var values = new ArrayList<String>();
        for (RecordBatch batch : records.batches()) {
            for (Record record : batch) {
                values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
            }
        }
        return values;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
