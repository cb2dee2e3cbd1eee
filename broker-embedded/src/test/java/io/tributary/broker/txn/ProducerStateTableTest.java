package io.tributary.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

class ProducerStateTableTest {
    private static final long PID = 4_000L;
    private static final long T = 1_700_000_000_000L;

    private final ProducerStateTable table = new ProducerStateTable();

    /** An idempotent batch of {@code count} records at {@code baseOffset}, sequences from {@code baseSequence}. */
    private static RecordBatch batch(long producerId, short epoch, int baseSequence, long baseOffset, int count) {
        var records = new SimpleRecord[count];
        for (int i = 0; i < count; i++) {
            records[i] = new SimpleRecord(T + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(baseOffset, Compression.NONE, producerId, epoch, baseSequence, 0,
                records).firstBatch();
    }

    /** Checks like the partition does before an append, then records the batch as appended. */
    private ProducerStateTable.BatchMetadata checkAndAppend(RecordBatch batch) {
        ProducerStateTable.BatchMetadata duplicate = table.check(batch);
        if (duplicate == null) {
            table.update(batch);
        }
        return duplicate;
    }

    @Test
    void lastOffsetsNameEachProducersNewestBatch() {
        table.update(batch(PID, (short) 0, 0, 0, 3));
        table.update(batch(PID, (short) 0, 3, 10, 2));
        table.update(batch(PID + 1, (short) 0, 0, 5, 1));
        assertThat(table.lastOffsets()).containsOnly(Map.entry(PID, 11L), Map.entry(PID + 1, 5L));
    }

    @Test
    void theFirstBatchOfAProducerIsNotADuplicate() {
        assertThat(table.check(batch(PID, (short) 0, 0, 0, 3))).isNull();
    }

    @Test
    void aProducerWithNoStateMayStartAtAnySequence() {
        // KIP-360: its earlier batches may have been removed by retention or DeleteRecords.
        assertThat(table.check(batch(PID, (short) 0, 42, 0, 3))).isNull();
    }

    @Test
    void aRetriedBatchIsRecognisedWithItsOriginalOffsets() {
        checkAndAppend(batch(PID, (short) 0, 0, 10, 3));
        checkAndAppend(batch(PID, (short) 0, 3, 13, 2));

        ProducerStateTable.BatchMetadata duplicate = table.check(batch(PID, (short) 0, 0, 99, 3));

        assertThat(duplicate).isEqualTo(new ProducerStateTable.BatchMetadata(0, 2, 10, 12, T + 2));
        assertThat(table.check(batch(PID, (short) 0, 3, 99, 2)).firstOffset()).isEqualTo(13);
    }

    @Test
    void theNextSequenceIsAccepted() {
        checkAndAppend(batch(PID, (short) 0, 0, 0, 3));

        assertThat(table.check(batch(PID, (short) 0, 3, 3, 1))).isNull();
    }

    @Test
    void aGapInSequencesIsOutOfOrder() {
        checkAndAppend(batch(PID, (short) 0, 0, 0, 3));

        assertThatThrownBy(() -> table.check(batch(PID, (short) 0, 5, 3, 1)))
                .isInstanceOf(OutOfOrderSequenceException.class);
        assertThatThrownBy(() -> table.check(batch(PID, (short) 0, 1, 3, 1)))
                .isInstanceOf(OutOfOrderSequenceException.class);
    }

    @Test
    void anOlderEpochIsFenced() {
        checkAndAppend(batch(PID, (short) 3, 0, 0, 1));

        assertThatThrownBy(() -> table.check(batch(PID, (short) 2, 1, 1, 1)))
                .isInstanceOf(InvalidProducerEpochException.class);
    }

    @Test
    void aNewerEpochMustStartAtSequenceZeroAndResetsTheProducer() {
        checkAndAppend(batch(PID, (short) 0, 0, 0, 5));

        assertThatThrownBy(() -> table.check(batch(PID, (short) 1, 5, 5, 1)))
                .isInstanceOf(OutOfOrderSequenceException.class);
        assertThat(checkAndAppend(batch(PID, (short) 1, 0, 5, 2))).isNull();
        // The old epoch's batches are forgotten: its retry is now fenced, not a duplicate.
        assertThatThrownBy(() -> table.check(batch(PID, (short) 0, 0, 0, 5)))
                .isInstanceOf(InvalidProducerEpochException.class);
        assertThat(table.check(batch(PID, (short) 1, 2, 7, 1))).isNull();
    }

    @Test
    void onlyTheLastFiveBatchesAreRemembered() {
        for (int i = 0; i < 6; i++) {
            checkAndAppend(batch(PID, (short) 0, i, i, 1));
        }

        assertThat(table.check(batch(PID, (short) 0, 1, 99, 1)).firstOffset()).isEqualTo(1);
        assertThatThrownBy(() -> table.check(batch(PID, (short) 0, 0, 99, 1)))
                .isInstanceOf(OutOfOrderSequenceException.class);
    }

    @Test
    void sequencesWrapAroundAfterIntegerMaxValue() {
        checkAndAppend(batch(PID, (short) 0, Integer.MAX_VALUE, 0, 1));

        assertThat(table.check(batch(PID, (short) 0, 0, 1, 1))).isNull();
    }

    @Test
    void producersAreTrackedIndependently() {
        checkAndAppend(batch(PID, (short) 0, 0, 0, 2));
        checkAndAppend(batch(PID + 1, (short) 7, 0, 2, 1));

        assertThat(table.producerCount()).isEqualTo(2);
        assertThat(table.check(batch(PID, (short) 0, 2, 3, 1))).isNull();
        assertThat(table.check(batch(PID + 1, (short) 7, 0, 3, 1)).firstOffset()).isEqualTo(2);
    }

    @Test
    void batchesWithoutAProducerIdAreNeverChecked() {
        RecordBatch plain = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))
                .firstBatch();

        assertThat(table.check(plain)).isNull();
        table.update(plain);
        assertThat(table.producerCount()).isZero();
    }

    @Test
    void clearForgetsEveryProducer() {
        checkAndAppend(batch(PID, (short) 0, 0, 0, 2));
        table.clear();

        assertThat(table.check(batch(PID, (short) 0, 0, 0, 2))).isNull();
        assertThat(table.producerCount()).isZero();
    }
}
