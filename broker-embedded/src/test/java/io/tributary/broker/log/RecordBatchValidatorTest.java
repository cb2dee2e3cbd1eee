package io.tributary.broker.log;

import static io.tributary.broker.testing.KafkaFrames.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Crc32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What produce validation makes of malformed batches: always a Kafka error the partition answer can carry. */
class RecordBatchValidatorTest {
    private static final long NOW_MS = System.currentTimeMillis();
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int CRC_OFFSET = 17;
    private static final int BASE_TIMESTAMP_OFFSET = 27;
    private static final int MAX_TIMESTAMP_OFFSET = 35;

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

    private static final long HOUR_MS = 3_600_000L;
    private static final LogConfig COMPACTED_WITHIN_AN_HOUR = LogConfig.of(Map.of(), Map.of(
            LogConfig.CLEANUP_POLICY, "compact", LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, String.valueOf(HOUR_MS)));

    private static Compression compression(String codec) {
        return codec.equals("none") ? Compression.NONE : Compression.of(codec).build();
    }

    private static List<Integer> refusedIndexes(Throwable thrown) {
        return ((RecordBatchValidator.RefusedRecords) thrown).recordErrors().stream().map(e -> e.batchIndex).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "lz4"})
    void everyKeylessRecordOfABatchIsNamedAsARecordError(String codec) {
        MemoryRecords records = MemoryRecords.withRecords(compression(codec),
                new SimpleRecord(NOW_MS, utf8("k0"), utf8("v")), new SimpleRecord(NOW_MS, null, utf8("v")),
                new SimpleRecord(NOW_MS, utf8("k2"), utf8("v")), new SimpleRecord(NOW_MS, null, utf8("v")));

        assertThatThrownBy(() -> RecordBatchValidator.validate(records, COMPACTED_WITHIN_AN_HOUR, NOW_MS))
                .isInstanceOf(InvalidRecordException.class)
                .satisfies(thrown -> assertThat(refusedIndexes(thrown)).containsExactly(1, 3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "zstd"})
    void anyTimestampOutOfRangeMakesTheBatchInvalidTimestampWithEveryRecordErrorNamed(String codec) {
        // Record 0 lacks a key (INVALID_RECORD on its own), record 2 is two hours old: Kafka answers
        // INVALID_TIMESTAMP for the batch and lists both.
        MemoryRecords records = MemoryRecords.withRecords(compression(codec),
                new SimpleRecord(NOW_MS, null, utf8("v")), new SimpleRecord(NOW_MS, utf8("k1"), utf8("v")),
                new SimpleRecord(NOW_MS - 2 * HOUR_MS, utf8("k2"), utf8("v")));

        assertThatThrownBy(() -> RecordBatchValidator.validate(records, COMPACTED_WITHIN_AN_HOUR, NOW_MS))
                .isInstanceOf(InvalidTimestampException.class)
                .satisfies(thrown -> assertThat(((RecordBatchValidator.RefusedRecords) thrown).recordErrors())
                        .extracting(e -> e.batchIndex, e -> e.message.startsWith("Timestamp"))
                        .containsExactly(tuple(0, false),
                                tuple(2, true)));
    }

    @Test
    void aRecordWithoutKeyAndWithAnOldTimestampCountsItsKeyOnly() {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(NOW_MS - 2 * HOUR_MS, null, utf8("v")));

        assertThatThrownBy(() -> RecordBatchValidator.validate(records, COMPACTED_WITHIN_AN_HOUR, NOW_MS))
                .isInstanceOf(InvalidRecordException.class)
                .satisfies(thrown -> assertThat(refusedIndexes(thrown)).containsExactly(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip"})
    void negativeCreateTimeIsAcceptedWhenTheRangeAllowsIt(String codec) {
        // Kafka ranges every timestamp but -1 ("none") against message.timestamp.before/after.max.ms, whose
        // defaults accept it; only the range refuses a negative one.
        // kafka-clients refuses to build one, librdkafka sends it: the batch's base and max timestamps set to -5.
        ByteBuffer buffer = MemoryRecords.withRecords(compression(codec), new SimpleRecord(5L, utf8("k"), utf8("v")))
                .buffer();
        buffer.putLong(BASE_TIMESTAMP_OFFSET, -5L).putLong(MAX_TIMESTAMP_OFFSET, -5L);
        fixCrc(buffer);
        MemoryRecords records = MemoryRecords.readableRecords(buffer);

        assertThat(RecordBatchValidator.validate(records, LogConfig.defaults(), NOW_MS).recordCount()).isEqualTo(1);
        assertThatThrownBy(() -> RecordBatchValidator.validate(records, COMPACTED_WITHIN_AN_HOUR, NOW_MS))
                .isInstanceOf(InvalidTimestampException.class);
    }

    @Test
    void batchClaimingLogAppendTimeIsRefusedOnALogAppendTimeTopic() {
        MemoryRecords records = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L, Compression.NONE,
                TimestampType.LOG_APPEND_TIME, new SimpleRecord(NOW_MS, utf8("k"), utf8("v")));
        LogConfig logAppendTime = LogConfig.of(Map.of(), Map.of(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));

        assertThatThrownBy(() -> RecordBatchValidator.validate(records, logAppendTime, NOW_MS))
                .isInstanceOf(InvalidTimestampException.class)
                .satisfies(thrown -> assertThat(((RecordBatchValidator.RefusedRecords) thrown).recordErrors())
                        .extracting(e -> e.batchIndex).containsExactly(0));
    }

    @Test
    void validBatchHasNoRecordErrors() {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(NOW_MS - HOUR_MS / 2, utf8("k0"), utf8("v")),
                new SimpleRecord(NOW_MS + HOUR_MS / 2, utf8("k1"), utf8("v")));

        assertThat(RecordBatchValidator.validate(records, COMPACTED_WITHIN_AN_HOUR, NOW_MS).recordCount())
                .isEqualTo(2);
    }
}
