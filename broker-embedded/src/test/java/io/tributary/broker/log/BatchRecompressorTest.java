package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

class BatchRecompressorTest {
    private static MemoryRecords idempotentBatch(Compression compression) {
        var records = new ArrayList<SimpleRecord>();
        for (int i = 0; i < 20; i++) {
            records.add(new SimpleRecord(1_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8),
                    new RecordHeader[] {new RecordHeader("h", ("x" + i).getBytes(StandardCharsets.UTF_8))}));
        }
        return MemoryRecords.withIdempotentRecords(compression, 77L, (short) 3, 40,
                records.toArray(new SimpleRecord[0]));
    }

    @Test
    void topicCompressionRebuildsBatchesKeepingProducerFieldsAndRecords() {
        MemoryRecords original = idempotentBatch(Compression.NONE);
        LogConfig zstdTopic = LogConfig.of(Map.of(), Map.of(LogConfig.COMPRESSION_TYPE, "zstd"));

        MemoryRecords rebuilt = BatchRecompressor.toTopicCompression(original, zstdTopic);

        MutableRecordBatch batch = rebuilt.batches().iterator().next();
        assertThat(batch.compressionType()).isEqualTo(CompressionType.ZSTD);
        assertThat(batch.producerId()).isEqualTo(77L);
        assertThat(batch.producerEpoch()).isEqualTo((short) 3);
        assertThat(batch.baseSequence()).isEqualTo(40);
        assertThat(batch.lastSequence()).isEqualTo(59);
        batch.ensureValid();
        int i = 0;
        for (Record record : batch) {
            assertThat(record.offset()).isEqualTo(i);
            assertThat(record.timestamp()).isEqualTo(1_000L + i);
            assertThat(StandardCharsets.UTF_8.decode(record.key()).toString()).isEqualTo("k" + i);
            assertThat(StandardCharsets.UTF_8.decode(record.value()).toString()).isEqualTo("v" + i);
            assertThat(new String(record.headers()[0].value(), StandardCharsets.UTF_8)).isEqualTo("x" + i);
            i++;
        }
        assertThat(i).isEqualTo(20);
        assertThat(RecordBatchValidator.validate(rebuilt, zstdTopic, System.currentTimeMillis()).recordCount())
                .isEqualTo(20);
    }

    @Test
    void topicCompressionLevelIsTheLevelOfTheRebuiltBatches() {
        var records = new ArrayList<SimpleRecord>();
        for (int i = 0; i < 200; i++) {
            records.add(new SimpleRecord(1_000L + i, null, ("order " + i + " shipped to warehouse " + (i * 7919 % 97)
                    + " in region " + (i % 13)).getBytes(StandardCharsets.UTF_8)));
        }
        MemoryRecords original = MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0]));

        for (String[] codecAndLevels : new String[][] {{"gzip", "1", "9"}, {"lz4", "1", "17"}, {"zstd", "1", "19"}}) {
            String codec = codecAndLevels[0];
            var rebuiltSizes = new ArrayList<Integer>();
            for (String level : List.of(codecAndLevels[1], codecAndLevels[2])) {
                LogConfig topic = LogConfig.of(Map.of(), Map.of(LogConfig.COMPRESSION_TYPE, codec,
                        "compression." + codec + ".level", level));
                MemoryRecords expected = MemoryRecords.withRecords(levelled(codec, Integer.parseInt(level)),
                        records.toArray(new SimpleRecord[0]));

                MemoryRecords rebuilt = BatchRecompressor.toTopicCompression(original, topic);

                assertThat(rebuilt.buffer()).as("%s level %s", codec, level).isEqualTo(expected.buffer());
                rebuiltSizes.add(rebuilt.sizeInBytes());
            }
            assertThat(rebuiltSizes.get(0)).as("%s at its lowest level is larger", codec)
                    .isGreaterThan(rebuiltSizes.get(1));
        }
    }

    private static Compression levelled(String codec, int level) {
        return switch (codec) {
            case "gzip" -> Compression.gzip().level(level).build();
            case "lz4" -> Compression.lz4().level(level).build();
            default -> Compression.zstd().level(level).build();
        };
    }

    @Test
    void producerCompressionKeepsTheSameBuffer() {
        MemoryRecords original = idempotentBatch(Compression.gzip().build());
        assertThat(BatchRecompressor.toTopicCompression(original, LogConfig.defaults())).isSameAs(original);
        LogConfig gzipTopic = LogConfig.of(Map.of(), Map.of(LogConfig.COMPRESSION_TYPE, "gzip"));
        assertThat(BatchRecompressor.toTopicCompression(original, gzipTopic)).isSameAs(original);
    }

    @Test
    void uncompressedTopicDecompresses() {
        MemoryRecords original = idempotentBatch(Compression.lz4().build());
        LogConfig plain = LogConfig.of(Map.of(), Map.of(LogConfig.COMPRESSION_TYPE, "uncompressed"));
        MemoryRecords rebuilt = BatchRecompressor.toTopicCompression(original, plain);
        RecordBatch batch = rebuilt.batches().iterator().next();
        assertThat(batch.compressionType()).isEqualTo(CompressionType.NONE);
        assertThat(batch.countOrNull()).isEqualTo(20);
    }
}
