package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.append;
import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.offsets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, fault 8: a read at an offset that DeleteRecords or retention removes while the read runs (after it
 * checked the offset against the log start, before it found the offset's segment) is OFFSET_OUT_OF_RANGE, as
 * Kafka's {@code LocalLog.read} answers when no segment lies at or below the offset. It must never answer with
 * the records of a later segment: a consumer with {@code auto.offset.reset=none} would skip records silently.
 * The log's test seam runs the deletion at exactly that point of the read.
 *
 * <p>Nine one-record batches, three per segment: segments at 0, 3 and 6.
 */
class ReadRacingLogStartTest {
    private static final long T = 1_700_000_000_000L;
    private static final int BATCH = batch(0, T, 1).sizeInBytes();

    @TempDir
    Path dir;

    private PartitionLog log;

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    private void openWithThreeSegments(Map<String, String> overrides) {
        var config = new HashMap<>(overrides);
        config.put(LogConfig.SEGMENT_BYTES, String.valueOf(3 * BATCH));
        log = TestBatches.open(dir, TestBatches.config(config), 0, 0, T);
        for (int i = 0; i < 9; i++) {
            append(log, batch(log.logEndOffset(), T, 1), T);
        }
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L);
    }

    /** Runs {@code deletion} once, inside the next read, after its range check. */
    private void duringTheNextRead(Runnable deletion) {
        var ran = new AtomicBoolean();
        log.afterRangeCheck = () -> {
            if (ran.compareAndSet(false, true)) {
                deletion.run();
            }
        };
    }

    @Test
    void readWhoseSegmentsDeleteRecordsRemovesMeanwhileIsOutOfRange() {
        openWithThreeSegments(Map.of());
        duringTheNextRead(() -> log.advanceLogStartOffset(6));

        assertThatThrownBy(() -> log.read(1, Integer.MAX_VALUE, log.logEndMetadata(), true))
                .isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(log.logStartOffset()).isEqualTo(6);
        assertThat(offsets(log.read(6, Integer.MAX_VALUE, log.logEndMetadata(), true))).containsExactly(6L, 7L, 8L);
    }

    @Test
    void readWhoseSegmentsRetentionRemovesMeanwhileIsOutOfRange() {
        openWithThreeSegments(Map.of(LogConfig.RETENTION_BYTES, String.valueOf(3 * BATCH)));
        duringTheNextRead(() -> assertThat(log.applyRetention(T)).isEqualTo(2));

        assertThatThrownBy(() -> log.read(4, Integer.MAX_VALUE, log.logEndMetadata(), true))
                .isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(log.logStartOffset()).isEqualTo(6);
    }

    @Test
    void readWhoseSegmentStaysFinishesFromIt() {
        openWithThreeSegments(Map.of());
        // The log start moves inside the read's segment: the read took its segment first and answers from it,
        // as if it had run just before the DeleteRecords.
        duringTheNextRead(() -> log.advanceLogStartOffset(2));

        assertThat(offsets(log.read(1, Integer.MAX_VALUE, log.logEndMetadata(), true))).containsExactly(1L, 2L);
    }
}
