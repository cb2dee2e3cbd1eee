package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.append;
import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.offsets;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An I/O error while appending (a disk that fills up mid-write, a checkpoint that cannot be written) leaves the log
 * as it was before the append and takes its log directory offline: the append and every later one are refused, and
 * a reopen finds exactly the appends that succeeded, at their offsets.
 */
class AppendIoErrorTest {
    private static final long T = 1_700_000_000_000L;
    private static final LogSegment.WriteInterceptor NO_FAULT = (file, channel, bytes) -> { };
    /** Writes the first half of the bytes, then fails as a full disk does (ENOSPC). */
    static final LogSegment.WriteInterceptor HALF_THEN_DISK_FULL = (file, channel, bytes) -> {
        ByteBuffer half = bytes.duplicate();
        half.limit(half.position() + half.remaining() / 2);
        while (half.hasRemaining()) {
            channel.write(half);
        }
        throw new IOException("No space left on device");
    };

    @TempDir
    Path dir;

    private final List<PartitionLog> opened = new ArrayList<>();

    @AfterEach
    void clearFaultAndClose() {
        LogSegment.beforeWrite = NO_FAULT;
        opened.forEach(PartitionLog::close);
    }

    private PartitionLog open() {
        // Recovery point 0: every reopen scans the log as after a crash.
        PartitionLog log = TestBatches.open(dir, TestBatches.config(Map.of()), 0, 0, T);
        opened.add(log);
        return log;
    }

    private static Records readAll(PartitionLog log) {
        return log.read(log.logStartOffset(), Integer.MAX_VALUE, log.logEndMetadata(), true);
    }

    private static void appendAtEpoch(PartitionLog log, int leaderEpoch) {
        MemoryRecords records = batch(log.logEndOffset(), T, 1);
        log.appendAsLeader(records, RecordBatchValidator.validate(records, log.config(), T), leaderEpoch, T);
    }

    @Test
    void aPartialWriteIsUndoneAndNothingIsAppendedAfterIt() throws Exception {
        PartitionLog log = open();
        for (int i = 0; i < 3; i++) {
            append(log, batch(i, T, 1), T);
        }
        Path logFile = dir.resolve(LogSegment.fileName(0, ".log"));
        long acknowledgedBytes = Files.size(logFile);

        LogSegment.beforeWrite = HALF_THEN_DISK_FULL;
        assertThatThrownBy(() -> append(log, batch(3, T, 1), T)).isInstanceOf(KafkaStorageException.class);
        assertThat(Files.size(logFile)).isEqualTo(acknowledgedBytes);
        assertThat(log.logEndOffset()).isEqualTo(3);

        // Room on the disk again: the directory stays offline until a restart, as in Kafka.
        LogSegment.beforeWrite = NO_FAULT;
        assertThatThrownBy(() -> append(log, batch(3, T, 1), T)).isInstanceOf(KafkaStorageException.class);
        assertThat(Files.size(logFile)).isEqualTo(acknowledgedBytes);
        log.close();

        PartitionLog reopened = open();
        assertThat(reopened.logEndOffset()).isEqualTo(3);
        assertThat(values(readAll(reopened))).containsExactly("v0000", "v0001", "v0002");
        assertThat(append(reopened, batch(3, T, 1), T).firstOffset()).isEqualTo(3);
        assertThat(offsets(readAll(reopened))).containsExactly(0L, 1L, 2L, 3L);
        assertThat(values(readAll(reopened))).containsExactly("v0000", "v0001", "v0002", "v0003");
    }

    @Test
    void aLeaderEpochThatCannotBeCheckpointedAssignsNoOffsets() throws Exception {
        PartitionLog log = open();
        appendAtEpoch(log, 0);
        appendAtEpoch(log, 0);
        // The epoch checkpoint's temporary file cannot be written (a directory is in its place): an I/O error in
        // the append of the first batch of epoch 1, after its bytes went to the segment.
        Path checkpointTemp = dir.resolve(PartitionLog.EPOCH_CHECKPOINT + ".tmp");
        Files.createDirectory(checkpointTemp);
        assertThatThrownBy(() -> appendAtEpoch(log, 1)).isInstanceOf(KafkaStorageException.class);
        assertThat(log.logEndOffset()).isEqualTo(2);

        Files.delete(checkpointTemp);
        assertThatThrownBy(() -> appendAtEpoch(log, 1)).isInstanceOf(KafkaStorageException.class);
        log.close();

        PartitionLog reopened = open();
        assertThat(reopened.logEndOffset()).isEqualTo(2);
        assertThat(offsets(readAll(reopened))).containsExactly(0L, 1L);
        assertThat(reopened.epochs().entries()).containsExactly(new LeaderEpochCache.EpochEntry(0, 0));
        appendAtEpoch(reopened, 1);
        assertThat(offsets(readAll(reopened))).containsExactly(0L, 1L, 2L);
        assertThat(reopened.epochs().entries()).containsExactly(new LeaderEpochCache.EpochEntry(0, 0),
                new LeaderEpochCache.EpochEntry(1, 2));
    }

    @Test
    void aSegmentWhoseWriteFailsKeepsItsFileIndexesAndTimestampsAsBefore() throws Exception {
        LogSegment segment = LogSegment.open(dir, 0, TestBatches.config(Map.of(LogConfig.INDEX_INTERVAL_BYTES, "1")),
                T);
        try {
            segment.append(0, 0, T, batch(0, T, 1));
            int size = segment.sizeInBytes();

            LogSegment.beforeWrite = HALF_THEN_DISK_FULL;
            assertThatThrownBy(() -> segment.append(1, 1, T + 5, batch(1, T + 5, 1))).isInstanceOf(IOException.class);
            LogSegment.beforeWrite = NO_FAULT;

            assertThat(segment.sizeInBytes()).isEqualTo(size);
            assertThat(Files.size(dir.resolve(LogSegment.fileName(0, ".log")))).isEqualTo(size);
            assertThat(segment.maxTimestamp()).isEqualTo(T);
            assertThat(segment.translateOffset(1)).isNull();
            assertThat(segment.findOffsetByTimestamp(T + 1, 0)).isNull();

            // The segment itself stays usable: the next write lands right after the last whole batch.
            segment.append(1, 1, T + 2, batch(1, T + 2, 1));
            assertThat(segment.translateOffset(1).position).isEqualTo(size);
            assertThat(offsets(segment.read(0, Integer.MAX_VALUE, segment.sizeInBytes(), true)))
                    .containsExactly(0L, 1L);
            assertThat(segment.findOffsetByTimestamp(T + 1, 0).offset).isEqualTo(1);
        } finally {
            segment.close();
        }
    }
}
