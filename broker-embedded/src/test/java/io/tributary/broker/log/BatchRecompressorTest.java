package io.tributary.broker.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
