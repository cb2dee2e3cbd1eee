package io.tributary.broker.log;

import static io.tributary.broker.testing.KafkaFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Crc32C;
import org.junit.jupiter.api.Test;

/** What produce validation makes of malformed batches: always a Kafka error the partition answer can carry. */
class RecordBatchValidatorTest {
    private static final long NOW_MS = System.currentTimeMillis();
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int CRC_OFFSET = 17;

    private static MemoryRecords batch(Compression compression, byte[] key) {
        return MemoryRecords.withRecords(compression, new SimpleRecord(NOW_MS, key, utf8("value")),
                new SimpleRecord(NOW_MS, key, utf8("value-2")));
    }

    private static void fixCrc(ByteBuffer batch) {
        batch.putInt(CRC_OFFSET, (int) Crc32C.compute(batch, ATTRIBUTES_OFFSET, batch.limit() - ATTRIBUTES_OFFSET));
    }

    @Test
    void wellFormedBatchIsSummarized() {
        RecordBatchValidator.Summary summary = RecordBatchValidator.validate(batch(Compression.NONE, utf8("k")),
                LogConfig.defaults(), NOW_MS);

        assertThat(summary.batchCount()).isEqualTo(1);
        assertThat(summary.recordCount()).isEqualTo(2);
    }

    @Test
    void batchesLargerThanASegmentAreRejected() {
        MemoryRecords records = batch(Compression.NONE, utf8("k"));
        LogConfig tinySegments = LogConfig.of(Map.of(),
                Map.of(LogConfig.SEGMENT_BYTES, String.valueOf(records.sizeInBytes() - 1)));

        assertThatThrownBy(() -> RecordBatchValidator.validate(records, tinySegments, NOW_MS))
                .isInstanceOf(RecordBatchTooLargeException.class);
    }

    @Test
    void batchNamingAnUnknownCompressionCodecIsCorrupt() {
        ByteBuffer buffer = batch(Compression.NONE, utf8("k")).buffer();
        buffer.putShort(ATTRIBUTES_OFFSET, (short) 6);
        fixCrc(buffer);

        assertThatThrownBy(() -> RecordBatchValidator.validate(MemoryRecords.readableRecords(buffer),
                LogConfig.defaults(), NOW_MS)).isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void batchLengthThatOverflowsWithTheLogOverheadIsCorrupt() {
        // length + 12 (offset and length fields) wraps below zero inside kafka-clients' batch iterator.
        ByteBuffer buffer = ByteBuffer.allocate(64);
        buffer.putLong(0, 0).putInt(8, Integer.MAX_VALUE - 5).put(16, (byte) 2);

        assertThatThrownBy(() -> RecordBatchValidator.validate(MemoryRecords.readableRecords(buffer),
                LogConfig.defaults(), NOW_MS)).isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void corruptSnappyStreamIsCorruptNotAnError() {
        ByteBuffer buffer = batch(Compression.snappy().build(), utf8("k")).buffer();
        // snappy-java's stream: magic "\x82SNAPPY\0", version, compatible version, then int32 chunk sizes.
        int magic = new String(buffer.array(), StandardCharsets.ISO_8859_1).indexOf("SNAPPY") - 1;
        buffer.putInt(magic + 16, -1);
        fixCrc(buffer);

        assertThatThrownBy(() -> RecordBatchValidator.validate(MemoryRecords.readableRecords(buffer),
                LogConfig.defaults(), NOW_MS)).isInstanceOf(CorruptRecordException.class);
    }

    @Test
    void batchOverMaxMessageBytesIsTooLarge() {
        LogConfig small = LogConfig.of(Map.of(), Map.of(LogConfig.MAX_MESSAGE_BYTES, "50"));

        assertThatThrownBy(() -> RecordBatchValidator.validate(batch(Compression.NONE, utf8("k")), small, NOW_MS))
                .isInstanceOf(RecordTooLargeException.class);
    }

    @Test
    void keylessRecordOnACompactedTopicIsInvalid() {
        LogConfig compact = LogConfig.of(Map.of(), Map.of(LogConfig.CLEANUP_POLICY, "compact"));

        for (Compression compression : new Compression[] {Compression.NONE, Compression.lz4().build()}) {
            assertThatThrownBy(() -> RecordBatchValidator.validate(batch(compression, null), compact, NOW_MS))
                    .isInstanceOf(InvalidRecordException.class);
        }
    }

    @Test
    void controlBatchFromAClientIsInvalid() {
        MemoryRecords marker = MemoryRecords.withEndTransactionMarker(7L, (short) 0,
                new EndTransactionMarker(ControlRecordType.COMMIT, 0));

        assertThatThrownBy(() -> RecordBatchValidator.validate(marker, LogConfig.defaults(), NOW_MS))
                .isInstanceOf(InvalidRecordException.class);
    }
}
