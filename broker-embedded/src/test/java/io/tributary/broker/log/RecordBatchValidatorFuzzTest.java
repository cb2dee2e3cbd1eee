package io.tributary.broker.log;

import static io.tributary.broker.testing.KafkaFrames.bytes;
import static io.tributary.broker.testing.KafkaFrames.concat;
import static io.tributary.broker.testing.KafkaFrames.utf8;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Crc32C;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Produce validation on arbitrary bytes: the only allowed outcomes are success or a Kafka {@link ApiException}
 * (CorruptRecordException, InvalidRecordException, RecordTooLargeException, ...), which the produce path maps to
 * the partition's error code. Anything else (NPE, IndexOutOfBounds, IllegalArgumentException, a hang) would
 * reach the client as KAFKA_STORAGE_ERROR, so it is a bug.
 *
 * <p>Input layout: {@code flags:int8 | record batches}. Flag bit 0 recomputes each batch's CRC-32C first, so the
 * fuzzer gets past {@code ensureValid} into the record walk; bit 1 validates for a compacted topic; bit 2 with
 * a small max.message.bytes.
 */
class RecordBatchValidatorFuzzTest {
    private static final long NOW_MS = 1_700_000_000_000L;
    private static final LogConfig DELETE = LogConfig.defaults();
    private static final LogConfig COMPACT = LogConfig.of(Map.of(), Map.of(LogConfig.CLEANUP_POLICY, "compact"));
    private static final LogConfig SMALL = LogConfig.of(Map.of(), Map.of(LogConfig.MAX_MESSAGE_BYTES, "200"));

    /** Flags byte plus valid batches of every codec, keyed and keyless, idempotent, several per request. */
    static Stream<byte[]> validBatches() {
        var keyed = new SimpleRecord[] {
            new SimpleRecord(NOW_MS, utf8("k1"), utf8("v1")),
            new SimpleRecord(NOW_MS + 1, utf8("k2"), utf8("v2"), new Header[] {new RecordHeader("h", utf8("x"))}),
        };
        var keyless = new SimpleRecord(NOW_MS, null, utf8("no key"));
        var inputs = new ArrayList<byte[]>();
        for (Compression compression : List.of(Compression.NONE, Compression.gzip().build(),
                Compression.snappy().build(), Compression.lz4().build(), Compression.zstd().build())) {
            inputs.add(withFlags(0, MemoryRecords.withRecords(compression, keyed)));
            inputs.add(withFlags(2, MemoryRecords.withRecords(compression, keyless)));
        }
        inputs.add(withFlags(0, MemoryRecords.withIdempotentRecords(Compression.NONE, 42L, (short) 0, 0, keyed)));
        byte[] one = bytes(MemoryRecords.withRecords(Compression.NONE, keyed).buffer());
        byte[] two = bytes(MemoryRecords.withRecords(Compression.NONE, keyless).buffer());
        inputs.add(concat(new byte[] {1}, one, two));
        return inputs.stream();
    }

    private static byte[] withFlags(int flags, MemoryRecords records) {
        return concat(new byte[] {(byte) flags}, bytes(records.buffer()));
    }

    @MethodSource("validBatches")
    @FuzzTest(maxDuration = "15s")
    void validateEitherAcceptsOrRejectsWithAnApiException(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int flags = input[0];
        ByteBuffer buffer = ByteBuffer.wrap(input, 1, input.length - 1).slice();
        if ((flags & 1) != 0) {
            fixCrcs(buffer);
        }
        LogConfig config = (flags & 2) != 0 ? COMPACT : (flags & 4) != 0 ? SMALL : DELETE;
        try {
            RecordBatchValidator.validate(MemoryRecords.readableRecords(buffer), config, NOW_MS);
        } catch (ApiException expected) {
            // Mapped to the partition's error code by the produce path.
        }
    }

    /** Writes the correct CRC-32C into every batch header that fits (v2 layout: crc at 17 over 21..end). */
    private static void fixCrcs(ByteBuffer buffer) {
        int position = 0;
        while (position + DefaultRecordBatch.RECORD_BATCH_OVERHEAD <= buffer.limit()) {
            int size = buffer.getInt(position + 8) + 12;
            if (size < DefaultRecordBatch.RECORD_BATCH_OVERHEAD || size > buffer.limit() - position) {
                return;
            }
            if (buffer.get(position + 16) == RecordBatch.MAGIC_VALUE_V2) {
                buffer.putInt(position + 17, (int) Crc32C.compute(buffer, position + 21, size - 21));
            }
            position += size;
        }
    }
}
