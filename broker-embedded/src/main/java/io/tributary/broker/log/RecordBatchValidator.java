package io.tributary.broker.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.ProduceResponse.RecordError;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks the record batches of a produce request before they touch a log, the way Kafka's broker does: magic v2
 * only (the Produce handler already refused others, as Kafka's {@code ProduceRequest.validateRecords}), CRC, size
 * limit, offset deltas and record count consistent, record framing intact, timestamps within
 * {@code message.timestamp.before/after.max.ms}, keys present on compacted topics, no control batches from
 * clients.
 *
 * <p>Uncompressed batches are walked in place (varints only, nothing allocated per record); compressed batches are
 * decompressed once with key and value bytes skipped. Failures are Kafka's exceptions, which map to the
 * partition's error code: CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, INVALID_TIMESTAMP.
 *
 * <p>A batch whose framing is sound but some of whose records break the topic's rules (a key, a timestamp) is
 * refused as a whole, as Kafka's {@code LogValidator} does, with every offending record named (KIP-467's
 * record_errors): {@link RefusedRecords}. Each record has at most one error, its key's before its timestamp's, and
 * the batch is INVALID_TIMESTAMP when any record's timestamp is wrong, INVALID_RECORD otherwise.
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

    /**
     * A batch refused for some of its records: which ones (by their index in the batch) and why, for the
     * ProduceResponse's record_errors (KIP-467). The exception's type gives the partition's error code.
     */
    public sealed interface RefusedRecords permits InvalidRecords, InvalidTimestamps {
        List<RecordError> recordErrors();
    }

    /** INVALID_RECORD: records without a key on a compacted topic, and no timestamp out of range. */
    public static final class InvalidRecords extends InvalidRecordException implements RefusedRecords {
        private final transient List<RecordError> recordErrors;

        InvalidRecords(List<RecordError> recordErrors) {
            super("One or more records have been rejected due to " + recordErrors.size() + " record errors in total,"
                    + " and only showing the first three errors at most: "
                    + describe(recordErrors.subList(0, Math.min(recordErrors.size(), 3))));
            this.recordErrors = List.copyOf(recordErrors);
        }

        @Override
        public List<RecordError> recordErrors() {
            return recordErrors;
        }
    }

    /**
     * INVALID_TIMESTAMP: at least one record's CreateTime is outside the topic's accepted range, or the batch claims
     * LogAppendTime.
     */
    public static final class InvalidTimestamps extends InvalidTimestampException implements RefusedRecords {
        private final transient List<RecordError> recordErrors;

        InvalidTimestamps(List<RecordError> recordErrors) {
            super("One or more records have been rejected due to invalid timestamp: "
                    + describe(recordErrors.subList(0, Math.min(recordErrors.size(), 3))));
            this.recordErrors = List.copyOf(recordErrors);
        }

        @Override
        public List<RecordError> recordErrors() {
            return recordErrors;
        }
    }

    private static String describe(List<RecordError> recordErrors) {
        var text = new StringBuilder("[");
        for (RecordError error : recordErrors) {
            text.append(text.length() > 1 ? ", " : "").append("record ").append(error.batchIndex).append(": ")
                    .append(error.message);
        }
        return text.append(']').toString();
    }

    /**
     * The records of one batch that break the topic's rules, collected while the batch is walked; created at the
     * first such record, so a valid batch allocates nothing.
     */
    private static final class Refusals {
        private final List<RecordError> errors = new ArrayList<>(2);
        private boolean timestamps;

        static Refusals add(Refusals refusals, int index, String message, boolean timestamp) {
            Refusals added = refusals != null ? refusals : new Refusals();
            added.errors.add(new RecordError(index, message));
            added.timestamps |= timestamp;
            return added;
        }

        RuntimeException exception() {
            return timestamps ? new InvalidTimestamps(errors) : new InvalidRecords(errors);
        }
    }

    /**
     * A batch's rules for its records, read once per batch ({@code compact()} is a list lookup). A batch that claims
     * LogAppendTime gives every record its max timestamp, as kafka-clients reads it.
     */
    private record RecordRules(boolean compact, boolean checkTimestamps, boolean logAppendTimeBatch,
                               long batchMaxTimestamp, long nowMs, long beforeMaxMs, long afterMaxMs) {
        static RecordRules of(RecordBatch batch, LogConfig config, long nowMs) {
            return new RecordRules(config.compact(), config.messageTimestampType() == TimestampType.CREATE_TIME,
                    batch.timestampType() == TimestampType.LOG_APPEND_TIME, batch.maxTimestamp(), nowMs,
                    config.messageTimestampBeforeMaxMs(), config.messageTimestampAfterMaxMs());
        }

        /**
         * Kafka's {@code LogValidator.validateRecord} for one record: a missing key on a compacted topic first;
         * otherwise, on a CreateTime topic, a timestamp (other than -1, "none") outside [now -
         * message.timestamp.before.max.ms, now + message.timestamp.after.max.ms]; otherwise a batch that claims
         * LogAppendTime, which only a broker may set. Any other timestamp, negative ones included, is accepted.
         */
        Refusals check(Refusals refusals, int index, boolean hasKey, long recordTimestamp) {
            if (compact && !hasKey) {
                return Refusals.add(refusals, index, "Compacted topic cannot accept message without key", false);
            }
            long timestamp = logAppendTimeBatch ? batchMaxTimestamp : recordTimestamp;
            if (checkTimestamps && timestamp != RecordBatch.NO_TIMESTAMP) {
                // Kafka's arithmetic, so the edges (and a negative timestamp) fare as they do there.
                long differenceMs = nowMs - timestamp;
                if (differenceMs > beforeMaxMs || -differenceMs > afterMaxMs) {
                    return Refusals.add(refusals, index, "Timestamp " + timestamp + " of message with offset " + index
                            + " is out of range. The timestamp should be within [" + (nowMs - beforeMaxMs) + ", "
                            + (nowMs + afterMaxMs) + "]", true);
                }
            } else if (logAppendTimeBatch) {
                return Refusals.add(refusals, index, "Invalid timestamp type in message " + index
                        + ". Producer should not set timestamp type to LogAppendTime.", true);
            }
            return refusals;
        }
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
            RecordRules rules = RecordRules.of(batch, config, nowMs);
            if (compressionType(batch) == CompressionType.NONE) {
                walkUncompressed(buffer, position, batch, rules);
            } else {
                walkCompressed(batch, rules);
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
            // Kafka's ProduceRequest.validateRecords: INVALID_RECORD (message formats v0 and v1 are gone since 4.0).
            throw new InvalidRecordException("Only record batches of magic v2 are accepted, got v" + batch.magic());
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
                                         RecordRules rules) {
        ByteBuffer view = buffer.duplicate();
        int batchEnd = batchStart + batch.sizeInBytes();
        view.limit(batchEnd).position(batchStart + DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        int count = batch.countOrNull();
        long baseTimestamp = ((DefaultRecordBatch) batch).baseTimestamp();
        Refusals refusals = null;
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
                if (keyLength >= 0) {
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
                refusals = rules.check(refusals, i, keyLength >= 0, baseTimestamp + timestampDelta);
            }
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new CorruptRecordException("Malformed record in batch: " + e.getMessage());
        }
        if (view.position() != batchEnd) {
            throw new CorruptRecordException("The record batch has bytes after its last record");
        }
        if (refusals != null) {
            throw refusals.exception();
        }
    }

    private static void skip(ByteBuffer view, int length, int recordEnd) {
        if (length > recordEnd - view.position()) {
            throw new CorruptRecordException("A record field runs past the end of its record");
        }
        view.position(view.position() + length);
    }

    private static void walkCompressed(MutableRecordBatch batch, RecordRules rules) {
        long expectedOffset = batch.baseOffset();
        int seen = 0;
        Refusals refusals = null;
        try (CloseableIterator<Record> records = batch.skipKeyValueIterator(DECOMPRESSION_BUFFERS.get())) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.offset() != expectedOffset++) {
                    throw new InvalidRecordException("Compressed record has offset " + record.offset()
                            + ", expected " + (expectedOffset - 1));
                }
                refusals = rules.check(refusals, seen, record.hasKey(), record.timestamp());
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
        if (refusals != null) {
            throw refusals.exception();
        }
    }
}
