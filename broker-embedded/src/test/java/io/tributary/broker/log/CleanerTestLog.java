package io.tributary.broker.log;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * Keyed writes to a partition log and what a consumer reading it from the start would see, for the cleaner's
 * tests. Values are strings; null is a tombstone.
 */
final class CleanerTestLog {
    /** One record as read back: its offset, key and value (null for a tombstone). */
    record Entry(long offset, String key, String value) {
        @Override
        public String toString() {
            return offset + ":" + key + "=" + value;
        }
    }

    private CleanerTestLog() {
    }

    static PartitionLog open(Path partitionDir, Map<String, String> overrides, long nowMs) {
        return PartitionLog.open(TestBatches.PARTITION, partitionDir, TestBatches.config(overrides), 0, 0,
                (task, delayMs) -> task.run(), nowMs);
    }

    /** One batch of one record; returns its offset. */
    static long put(PartitionLog log, String key, String value, long timestamp) {
        return TestBatches.append(log, keyed(timestamp, key, value), timestamp).firstOffset();
    }

    static MemoryRecords keyed(long timestamp, String key, String value) {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(timestamp, bytes(key), bytes(value)));
    }

    /** One batch of {@code keyValues.length / 2} records. */
    static void putAll(PartitionLog log, long timestamp, String... keyValues) {
        var records = new SimpleRecord[keyValues.length / 2];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(timestamp, bytes(keyValues[2 * i]), bytes(keyValues[2 * i + 1]));
        }
        TestBatches.append(log, MemoryRecords.withRecords(Compression.NONE, records), timestamp);
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /** Every record from the log start to the log end, in offset order. */
    static List<Entry> entries(PartitionLog log) {
        var entries = new ArrayList<Entry>();
        for (RecordBatch batch : batches(log)) {
            for (Record record : batch) {
                entries.add(new Entry(record.offset(), string(record.key()), record.hasValue()
                        ? string(record.value()) : null));
            }
        }
        return entries;
    }

    /** Every batch from the log start to the log end, empty ones included. */
    static List<RecordBatch> batches(PartitionLog log) {
        var batches = new ArrayList<RecordBatch>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            Records records = log.read(offset, Integer.MAX_VALUE, log.logEndMetadata(), true);
            long next = offset;
            for (RecordBatch batch : records.batches()) {
                batches.add(batch);
                next = batch.nextOffset();
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        return batches;
    }

    /** The table a consumer builds from {@code entries}: the last value per key, tombstoned keys absent. */
    static Map<String, String> table(List<Entry> entries) {
        var table = new LinkedHashMap<String, String>();
        for (Entry entry : entries) {
            if (entry.value() == null) {
                table.remove(entry.key());
            } else {
                table.put(entry.key(), entry.value());
            }
        }
        return table;
    }

    private static String string(java.nio.ByteBuffer buffer) {
        return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}
