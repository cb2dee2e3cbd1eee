package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.PARTITION;
import static io.tributary.broker.log.TestBatches.append;
import static io.tributary.broker.log.TestBatches.offsets;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.txn.ProducerStateTable;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Crash recovery stops exactly at the first batch it cannot take although its CRC is valid (a legacy magic, or an
 * offset not above the previous batch's): the batches before it stay, with everything counted from them (log end,
 * index entries, producer state), and it goes with everything after it. Checked with that batch inside the
 * recovery scan's first 4 MiB read chunk and inside its second.
 */
class RecoveryAtInvalidBatchTest {
    private static final long T = 1_700_000_000_000L;
    private static final long PRODUCER_ID = 4242;
    /** 45 batches of this reach past the scan's first chunk ({@link LogSegment#RECOVERY_CHUNK_BYTES}). */
    private static final int VALUE_BYTES = 100 * 1024;
    private static final LogConfig CONFIG = TestBatches.config(Map.of(LogConfig.INDEX_INTERVAL_BYTES, "4096"));

    @TempDir
    Path dir;

    enum Invalid { LEGACY_MAGIC, OFFSET_NOT_INCREASING }

    /** The idempotent producer's batch with sequence {@code sequence}, of one large record. */
    private static MemoryRecords producerBatch(int sequence) {
        byte[] value = new byte[VALUE_BYTES];
        value[0] = (byte) sequence;
        return MemoryRecords.withIdempotentRecords(Compression.NONE, PRODUCER_ID, (short) 0, sequence,
                new SimpleRecord(T + sequence, TestBatches.bytes(TestBatches.key(sequence)), value));
    }

    /** A batch whose CRC is valid but which recovery must not take as the batch at {@code offset}. */
    private static MemoryRecords invalidBatch(Invalid invalid, long offset) {
        return switch (invalid) {
            case LEGACY_MAGIC -> MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, offset, Compression.NONE,
                    new SimpleRecord(T, TestBatches.bytes("legacy"), TestBatches.bytes("v1")));
            // The offset of the first batch again; the v2 CRC does not cover the base offset, so it stays valid.
            case OFFSET_NOT_INCREASING -> TestBatches.batch(0, T, 1);
        };
    }

    private static void write(FileChannel channel, MemoryRecords records) throws Exception {
        ByteBuffer bytes = records.buffer().duplicate();
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    @ParameterizedTest(name = "{0} after {1} batches")
    @CsvSource({"LEGACY_MAGIC, 5", "LEGACY_MAGIC, 45", "OFFSET_NOT_INCREASING, 5", "OFFSET_NOT_INCREASING, 45"})
    void recoveryKeepsExactlyTheBatchesBeforeTheFirstInvalidOne(Invalid invalid, int goodBatches) throws Exception {
        PartitionLog log = TestBatches.open(dir, CONFIG, 0, 0, T);
        for (int sequence = 0; sequence < goodBatches; sequence++) {
            append(log, producerBatch(sequence), T);
        }
        long keptBytes = log.sizeInBytes();
        int batchBytes = producerBatch(0).sizeInBytes();
        log.close();
        assertThat(goodBatches < 10 ? keptBytes < LogSegment.RECOVERY_CHUNK_BYTES
                : keptBytes > LogSegment.RECOVERY_CHUNK_BYTES + batchBytes).isTrue();
        Path logFile = dir.resolve(LogSegment.fileName(0, ".log"));
        try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            write(channel, invalidBatch(invalid, goodBatches));
            // A well-formed batch after it: it goes too, since nothing after an invalid batch can be trusted.
            MemoryRecords after = producerBatch(goodBatches);
            after.batches().iterator().next().setLastOffset(goodBatches + 1);
            write(channel, after);
        }

        var producers = new ProducerStateTable();
        PartitionLog recovered = PartitionLog.open(PARTITION, dir, CONFIG, 0, 0, (task, delayMs) -> task.run(), T,
                producers::update);
        try {
            assertThat(Files.size(logFile)).isEqualTo(keptBytes);
            assertThat(recovered.sizeInBytes()).isEqualTo(keptBytes);
            assertThat(recovered.logEndOffset()).isEqualTo(goodBatches);
            assertThat(offsets(recovered.read(0, Integer.MAX_VALUE, recovered.logEndMetadata(), true)))
                    .containsExactlyElementsOf(LongStream.range(0, goodBatches).boxed().toList());
            // The rebuilt offset index points into the kept bytes only: every offset is found at its batch.
            for (long offset = 0; offset < goodBatches; offset++) {
                LogOffsetMetadata position = recovered.offsetMetadata(offset);
                assertThat(position.positionKnown()).as("position of offset %d", offset).isTrue();
                assertThat(position.position()).as("position of offset %d", offset).isEqualTo(offset * batchBytes);
            }
            // The producer state counts the kept batches only: the next sequence is the one after the last kept.
            assertThat(producers.describe()).singleElement()
                    .satisfies(producer -> assertThat(producer.lastSequence()).isEqualTo(goodBatches - 1));
            MemoryRecords next = producerBatch(goodBatches);
            assertThat(producers.check(next.firstBatch())).isNull();

            assertThat(append(recovered, next, T).firstOffset()).isEqualTo(goodBatches);
            var tail = recovered.read(goodBatches, Integer.MAX_VALUE, recovered.logEndMetadata(), false);
            assertThat(offsets(tail)).containsExactly((long) goodBatches);
            assertThat(tail.batches().iterator().next().producerId()).isEqualTo(PRODUCER_ID);
            assertThat(recovered.logEndOffset()).isEqualTo(goodBatches + 1);
        } finally {
            recovered.close();
        }
    }
}
