package io.tributary.broker.log;

import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks the record batches of a produce request before they touch a log, the way Kafka's broker does: magic v2
 * only, CRC, size limit, offset deltas and record count consistent, record framing intact, timestamps within
 * {@code message.timestamp.before/after.max.ms}, keys present on compacted topics, no control batches from
 * clients.
 *
 * <p>Uncompressed batches are walked in place (varints only, nothing allocated per record); compressed batches are
 * decompressed once with key and value bytes skipped. Failures are Kafka's exceptions, which map to the
 * partition's error code: CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, INVALID_TIMESTAMP.
 * Stateless and thread-safe.
 */
public final class RecordBatchValidator {
    private static final ThreadLocal<BufferSupplier> DECOMPRESSION_BUFFERS =
            ThreadLocal.withInitial(BufferSupplier::create);

    private RecordBatchValidator() {
    }

    /** What validation learned about the batches: enough to append them without another pass. */
    public record Summary(int batchCount, int recordCount, long maxTimestamp, int sizeInBytes) {
    }

    public static Summary validate(MemoryRecords records, LogConfig config, long nowMs) {
        int batchCount = 0;
        int recordCount = 0;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        ByteBuffer buffer = records.buffer();
        int position = buffer.position();
        int end = buffer.limit();
        Iterator<MutableRecordBatch> batches = records.batches().iterator();
        while (hasNextBatch(batches)) {
            MutableRecordBatch batch = batches.next();
            validateBatchHeader(batch, config);
            int count = batch.countOrNull();
            if (compressionType(batch) == CompressionType.NONE) {
                walkUncompressed(buffer, position, batch, config, nowMs);
            } else {
                walkCompressed(batch, config, nowMs);
            }
            if (config.messageTimestampType() == TimestampType.CREATE_TIME) {
                checkTimestamp(batch.maxTimestamp(), config, nowMs);
            }
            maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
            recordCount += count;
            batchCount++;
            position += batch.sizeInBytes();
        }
        if (batchCount == 0) {
            throw new InvalidRecordException("A produce request must carry at least one record batch");
        }
        if (position != end) {
            throw new CorruptRecordException("Trailing bytes after the last record batch");
        }
        if (records.sizeInBytes() > config.segmentBytes()) {
            // Kafka's rule: what one append writes must fit in one segment.
            throw new RecordBatchTooLargeException("The record batches are " + records.sizeInBytes()
                    + " bytes, larger than segment.bytes (" + config.segmentBytes() + ")");
        }
        return new Summary(batchCount, recordCount, maxTimestamp, records.sizeInBytes());
    }

    private static void validateBatchHeader(MutableRecordBatch batch, LogConfig config) {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            throw new UnsupportedForMessageFormatException("Only record batches of magic v2 are accepted, got v"
                    + batch.magic());
        }
        if (batch.sizeInBytes() > config.maxMessageBytes()) {
            throw new RecordTooLargeException("The record batch is " + batch.sizeInBytes()
                    + " bytes, larger than max.message.bytes (" + config.maxMessageBytes() + ")");
        }
        batch.ensureValid();
        if (batch.isControlBatch()) {
            throw new InvalidRecordException("Clients may not send control batches");
        }
        Integer count = batch.countOrNull();
        if (count == null || count <= 0) {
            throw new InvalidRecordException("A record batch must hold at least one record");
        }
        long deltaCount = batch.lastOffset() - batch.baseOffset() + 1;
        if (deltaCount != count) {
            throw new InvalidRecordException("The record count " + count + " does not match the last offset delta "
                    + (deltaCount - 1));
        }
    }

    /**
     * kafka-clients' batch iterator adds the 12-byte log overhead to a batch's length field unchecked, so a length
     * near 2^31 overflows and fails as an IllegalArgumentException rather than a corrupt batch.
     */
    private static boolean hasNextBatch(Iterator<MutableRecordBatch> batches) {
        try {
            return batches.hasNext();
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("The record batch length is invalid: " + e.getMessage());
        }
    }

    /** The batch's codec; attribute bits 0-2 may name none (5-7), which kafka-clients rejects unchecked. */
    private static CompressionType compressionType(MutableRecordBatch batch) {
        try {
            return batch.compressionType();
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException("The record batch names an unknown compression codec: " + e.getMessage());
        }
    }

    /** Walks the records of an uncompressed v2 batch in place. Layout per record (KIP-98):
     * <pre> length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
     *       keyLength:varint key valueLength:varint value headerCount:varint headers </pre> */
    private static void walkUncompressed(ByteBuffer buffer, int batchStart, MutableRecordBatch batch,
                                         LogConfig config, long nowMs) {
        ByteBuffer view = buffer.duplicate();
        int batchEnd = batchStart + batch.sizeInBytes();
        view.limit(batchEnd).position(batchStart + DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        int count = batch.countOrNull();
        boolean checkTimestamps = config.messageTimestampType() == TimestampType.CREATE_TIME;
        boolean compact = config.compact(); // a List.contains: once per batch, not per record
        long baseTimestamp = ((DefaultRecordBatch) batch).baseTimestamp();
        try {
            for (int i = 0; i < count; i++) {
                int length = ByteUtils.readVarint(view);
                if (length <= 0 || length > view.remaining()) {
                    throw new CorruptRecordException("Record " + i + " has an invalid length " + length);
                }
                int recordEnd = view.position() + length;
                view.get();
                long timestampDelta = ByteUtils.readVarlong(view);
                int offsetDelta = ByteUtils.readVarint(view);
                if (offsetDelta != i) {
                    throw new InvalidRecordException("Record " + i + " has offset delta " + offsetDelta);
                }
                int keyLength = ByteUtils.readVarint(view);
                if (keyLength < 0) {
                    if (compact) {
                        throw new InvalidRecordException("Compacted topic cannot accept a record without a key");
                    }
                } else {
                    skip(view, keyLength, recordEnd);
                }
                int valueLength = ByteUtils.readVarint(view);
                if (valueLength >= 0) {
                    skip(view, valueLength, recordEnd);
                }
                int headers = ByteUtils.readVarint(view);
                if (headers < 0) {
                    throw new CorruptRecordException("Record " + i + " has a negative header count");
                }
                for (int h = 0; h < headers; h++) {
                    int headerKeyLength = ByteUtils.readVarint(view);
                    if (headerKeyLength < 0) {
                        throw new CorruptRecordException("Record " + i + " has a header with a null key");
                    }
                    skip(view, headerKeyLength, recordEnd);
                    int headerValueLength = ByteUtils.readVarint(view);
                    if (headerValueLength >= 0) {
                        skip(view, headerValueLength, recordEnd);
                    }
                }
                if (view.position() != recordEnd) {
                    throw new CorruptRecordException("Record " + i + " does not match its length");
                }
                if (checkTimestamps) {
                    checkTimestamp(baseTimestamp + timestampDelta, config, nowMs);
                }
            }
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new CorruptRecordException("Malformed record in batch: " + e.getMessage());
        }
        if (view.position() != batchEnd) {
            throw new CorruptRecordException("The record batch has bytes after its last record");
        }
    }

    private static void skip(ByteBuffer view, int length, int recordEnd) {
        if (length > recordEnd - view.position()) {
            throw new CorruptRecordException("A record field runs past the end of its record");
        }
        view.position(view.position() + length);
    }

    private static void walkCompressed(MutableRecordBatch batch, LogConfig config, long nowMs) {
        long expectedOffset = batch.baseOffset();
        boolean checkTimestamps = config.messageTimestampType() == TimestampType.CREATE_TIME;
        boolean compact = config.compact();
        int seen = 0;
        try (CloseableIterator<Record> records = batch.skipKeyValueIterator(DECOMPRESSION_BUFFERS.get())) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.offset() != expectedOffset++) {
                    throw new InvalidRecordException("Compressed record has offset " + record.offset()
                            + ", expected " + (expectedOffset - 1));
                }
                if (compact && !record.hasKey()) {
                    throw new InvalidRecordException("Compacted topic cannot accept a record without a key");
                }
                if (checkTimestamps) {
                    checkTimestamp(record.timestamp(), config, nowMs);
                }
                seen++;
            }
        } catch (InvalidRecordException | CorruptRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptRecordException("Cannot decompress the record batch: " + e.getMessage());
        } catch (VirtualMachineError | LinkageError e) {
            throw e;
        } catch (Error e) {
            // snappy-java reports a corrupt stream as SnappyError, an Error: still only a bad batch.
            throw new CorruptRecordException("Cannot decompress the record batch: " + e);
        }
        if (seen != batch.countOrNull()) {
            throw new InvalidRecordException("The batch says " + batch.countOrNull() + " records but holds " + seen);
        }
    }

    private static void checkTimestamp(long timestamp, LogConfig config, long nowMs) {
        if (timestamp == RecordBatch.NO_TIMESTAMP) {
            return;
        }
        if (timestamp < 0) {
            throw new InvalidTimestampException("Record timestamp " + timestamp + " is negative");
        }
        if (nowMs - timestamp > config.messageTimestampBeforeMaxMs()
                || timestamp - nowMs > config.messageTimestampAfterMaxMs()) {
            throw new InvalidTimestampException("Record timestamp " + timestamp
                    + " is out of the accepted range (message.timestamp.before.max.ms="
                    + config.messageTimestampBeforeMaxMs() + ", message.timestamp.after.max.ms="
                    + config.messageTimestampAfterMaxMs() + ")");
        }
    }
}
