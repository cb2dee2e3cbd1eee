package io.tributary.broker.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Applies a topic's {@code compression.type} when it names a codec: batches the producer compressed differently are
 * rebuilt with the topic's codec at the topic's {@code compression.<codec>.level}, keeping producer id, epoch,
 * sequence, timestamps, keys, values and headers. With the default {@code producer} batches are stored exactly as
 * sent and nothing is copied; so is a batch already in the topic's codec, whatever level it was compressed at (as
 * Kafka's LogValidator does).
 */
public final class BatchRecompressor {
    private BatchRecompressor() {
    }

    /**
     * Returns {@code records} itself when every batch already has the topic's compression.
     *
     * @throws RecordTooLargeException when a rebuilt batch is larger than {@code max.message.bytes}
     */
    public static MemoryRecords toTopicCompression(MemoryRecords records, LogConfig config) {
        CompressionType target = targetType(config.compressionType());
        if (target == null || allMatch(records, target)) {
            return records;
        }
        Compression compression = config.compression();
        var out = new ByteBufferOutputStream(Math.max(256, records.sizeInBytes()));
        for (MutableRecordBatch batch : records.batches()) {
            var builder = new MemoryRecordsBuilder(out, RecordBatch.MAGIC_VALUE_V2, compression,
                    batch.timestampType(), batch.baseOffset(), RecordBatch.NO_TIMESTAMP, batch.producerId(),
                    batch.producerEpoch(), batch.baseSequence(), batch.isTransactional(), false,
                    batch.partitionLeaderEpoch(), Integer.MAX_VALUE);
            try (CloseableIterator<Record> iterator = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                while (iterator.hasNext()) {
                    Record record = iterator.next();
                    builder.appendWithOffset(record.offset(), record);
                }
            }
            int rebuiltBytes = builder.build().sizeInBytes();
            if (rebuiltBytes > config.maxMessageBytes()) {
                // Kafka's UnifiedLog.append checks max.message.bytes again once recompression changed the size.
                throw new RecordTooLargeException("The record batch is " + rebuiltBytes + " bytes in the topic's"
                        + " compression, larger than max.message.bytes (" + config.maxMessageBytes() + ")");
            }
        }
        ByteBuffer result = out.buffer();
        result.flip();
        return MemoryRecords.readableRecords(result);
    }

    private static boolean allMatch(MemoryRecords records, CompressionType target) {
        for (MutableRecordBatch batch : records.batches()) {
            if (batch.compressionType() != target) {
                return false;
            }
        }
        return true;
    }

    private static CompressionType targetType(String topicCompression) {
        return switch (topicCompression) {
            case "producer" -> null;
            case "uncompressed" -> CompressionType.NONE;
            default -> CompressionType.forName(topicCompression);
        };
    }
}
