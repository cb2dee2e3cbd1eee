package io.tributary.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.log.AbortedTransactions;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
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
    void batchesToKeepAreEachProducersNewestDataBatchAndNewestBatch() {
        table.update(batch(PID, (short) 0, 0, 0, 3));
        table.update(batch(PID, (short) 0, 3, 10, 2));
        table.update(batch(PID + 1, (short) 0, 0, 5, 1));
        assertThat(table.batchesToKeep()).containsExactlyInAnyOrder(11L, 5L);
        table.update(txnBatch(PID + 2, (short) 0, 0, 12));
        table.update(marker(PID + 2, (short) 0, 13, true, 0));
        assertThat(table.batchesToKeep()).containsExactlyInAnyOrder(11L, 5L, 12L, 13L);
    }

    @Test
    void emptiedBatchesOfAFinishedTransactionDoNotReopenIt() {
        // What a restart replays after the cleaner emptied a transaction's last data batch and its marker.
        table.update(emptied(MemoryRecords.withTransactionalRecords(20, Compression.NONE, PID, (short) 0, 0, 0,
                new SimpleRecord(T, "gone".getBytes(StandardCharsets.UTF_8)))));
        assertThat(table.inTransaction(PID)).isFalse();
        table.update(txnBatch(PID, (short) 0, 1, 21));
        assertThat(table.inTransaction(PID)).isTrue();
        RecordBatch emptiedMarker = emptied(MemoryRecords.withEndTransactionMarker(22, T, 0, PID, (short) 0,
                new EndTransactionMarker(ControlRecordType.ABORT, 0)));
        table.update(emptiedMarker);
        assertThat(table.inTransaction(PID)).isFalse();
        assertThat(table.firstUnstableOffset()).isEqualTo(-1);
    }

    /** The batch of {@code records} as the cleaner leaves a kept batch whose records all went: the header alone. */
    private static RecordBatch emptied(MemoryRecords records) {
        var buffer = java.nio.ByteBuffer.allocate(1024);
        records.filterTo(new MemoryRecords.RecordFilter(T, 0) {
                    @Override
                    protected BatchRetentionResult checkBatchRetention(RecordBatch b) {
                        return new BatchRetentionResult(BatchRetention.RETAIN_EMPTY, false);
                    }

                    @Override
                    protected boolean shouldRetainRecord(RecordBatch b, org.apache.kafka.common.record.Record r) {
                        return false;
                    }
                }, buffer, org.apache.kafka.common.utils.BufferSupplier.NO_CACHING);
        buffer.flip();
        RecordBatch result = MemoryRecords.readableRecords(buffer).firstBatch();
        assertThat(result.countOrNull()).isZero();
        return result;
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

    /** A transactional batch of one record at {@code offset}. */
    private static RecordBatch txnBatch(long producerId, short epoch, int sequence, long offset) {
        return MemoryRecords.withTransactionalRecords(offset, Compression.NONE, producerId, epoch, sequence, 0,
                new SimpleRecord(T, "t".getBytes(StandardCharsets.UTF_8))).firstBatch();
    }

    private static RecordBatch marker(long producerId, short epoch, long offset, boolean commit,
                                      int coordinatorEpoch) {
        return MemoryRecords.withEndTransactionMarker(offset, T, 0, producerId, epoch,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                        coordinatorEpoch)).firstBatch();
    }

    @Test
    void firstTransactionalBatchOpensTheTransactionAndItsMarkerClosesIt() {
        checkAndAppend(txnBatch(PID, (short) 0, 0, 10));
        checkAndAppend(txnBatch(PID, (short) 0, 1, 11));
        assertThat(table.inTransaction(PID)).isTrue();
        assertThat(table.firstUnstableOffset()).isEqualTo(10);

        table.update(marker(PID, (short) 0, 12, true, 0));
        assertThat(table.inTransaction(PID)).isFalse();
        assertThat(table.firstUnstableOffset()).isEqualTo(-1);
        assertThat(table.abortedTransactions().size()).isZero();
    }

    @Test
    void abortMarkerRecordsTheAbortedRangeForReadCommittedFetches() {
        checkAndAppend(txnBatch(PID, (short) 0, 0, 5));
        checkAndAppend(txnBatch(PID + 1, (short) 0, 0, 6));
        assertThat(table.firstUnstableOffset()).isEqualTo(5);
        table.update(marker(PID, (short) 0, 7, false, 0));
        // The other producer's open transaction still holds the stable offset at 6.
        assertThat(table.firstUnstableOffset()).isEqualTo(6);
        assertThat(table.abortedTransactions().overlapping(0, 100))
                .containsExactly(new AbortedTransactions.AbortedTxn(PID, 5, 7));
        assertThat(table.abortedTransactions().overlapping(8, 100)).isEmpty();
        assertThat(table.abortedTransactions().overlapping(0, 5)).isEmpty();
    }

    @Test
    void nonTransactionalWriteWhileATransactionIsOpenIsRefused() {
        checkAndAppend(txnBatch(PID, (short) 0, 0, 0));
        assertThatThrownBy(() -> table.check(batch(PID, (short) 0, 1, 1, 1)))
                .isInstanceOf(InvalidTxnStateException.class);
    }

    @Test
    void markerWithANewerEpochFencesTheProducersOlderBatches() {
        checkAndAppend(txnBatch(PID, (short) 3, 0, 0));
        table.update(marker(PID, (short) 4, 1, false, 0));
        assertThatThrownBy(() -> table.check(txnBatch(PID, (short) 3, 1, 2)))
                .isInstanceOf(InvalidProducerEpochException.class);
        assertThatThrownBy(() -> table.checkMarker(PID, (short) 3, 0))
                .isInstanceOf(InvalidProducerEpochException.class);
        assertThatThrownBy(() -> table.checkMarker(PID, (short) 4, -1))
                .isInstanceOf(TransactionCoordinatorFencedException.class);
        // The new epoch starts at sequence 0.
        assertThat(checkAndAppend(txnBatch(PID, (short) 5, 0, 2))).isNull();
    }

    @Test
    void coordinatorBatchesAreOnlyEpochChecked() {
        // Kafka's coordinators start every batch at sequence 0: the same range twice is not a duplicate.
        table.checkFromCoordinator(txnBatch(PID, (short) 1, 0, 0));
        table.update(txnBatch(PID, (short) 1, 0, 0));
        table.checkFromCoordinator(txnBatch(PID, (short) 1, 0, 1));
        table.update(txnBatch(PID, (short) 1, 0, 1));
        assertThat(table.describe()).singleElement().satisfies(view ->
                assertThat(view.currentTxnStartOffset()).isZero());
        assertThatThrownBy(() -> table.checkFromCoordinator(txnBatch(PID, (short) 0, 0, 2)))
                .isInstanceOf(InvalidProducerEpochException.class);
    }

    @Test
    void idleProducersExpireButNotWhileTheirTransactionIsOpen() {
        checkAndAppend(batch(PID, (short) 0, 0, 0, 1));
        checkAndAppend(txnBatch(PID + 1, (short) 0, 0, 1));
        assertThat(table.expire(T + 10_000, 1_000)).isEqualTo(1);
        assertThat(table.describe()).extracting(ProducerStateTable.ProducerView::producerId).containsExactly(PID + 1);
        // Forgotten: the producer's next batch is accepted as from a new producer, whatever its sequence.
        assertThat(table.check(batch(PID, (short) 0, 42, 2, 1))).isNull();
    }
}
