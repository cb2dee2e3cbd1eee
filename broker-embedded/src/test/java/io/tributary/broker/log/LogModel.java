package io.tributary.broker.log;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.record.ControlRecordType;

/**
 * What must be in one partition's log after a run of operations, for {@link LogModelTest}: every batch appended,
 * by offset, with its producer, transaction and records; the log start and end; which transactions are open,
 * committed or aborted. It knows nothing of segments or files. Batches below the log start stay here (a batch
 * straddling the log start is still read whole); only a crash that loses the tail of the log removes batches.
 *
 * <pre>
 *  logStart          lastStableOffset          logEnd
 *  |--- read_committed ---|--- open txn ... ---|
 *  |------------------ read_uncommitted -------|
 * </pre>
 */
final class LogModel {
    /** One record: a data record's key and value (null: a tombstone), or a marker's type as its key. */
    record Rec(long offset, String key, String value, long timestamp) {
    }

    /** A transaction of one producer in this partition; {@code decided} is what its coordinator decided. */
    static final class Txn {
        final long producerId;
        final List<Batch> batches = new ArrayList<>();
        /** COMMIT or ABORT once decided; null while open. Survives the loss of the marker in a crash. */
        ControlRecordType decided;
        /** Offset of the marker in the log, or -1. */
        long markerOffset = -1;
        /** Where the partition's producer state has the transaction begin (its first batch it knows), or -1. */
        long firstOffset = -1;

        Txn(long producerId) {
            this.producerId = producerId;
        }

        /** Open in the log: some of its batches are there and its marker is not. */
        boolean openInLog() {
            return firstOffset >= 0 && markerOffset < 0;
        }

        boolean aborted() {
            return decided == ControlRecordType.ABORT;
        }
    }

    /** One batch as appended; {@code control} is null for data. */
    record Batch(long baseOffset, long lastOffset, long producerId, Txn txn, ControlRecordType control,
                 List<Rec> records, long maxTimestamp) {
        boolean isData() {
            return control == null;
        }

        /** What a read_committed consumer keeps of it once it is below the last stable offset. */
        boolean committed() {
            return isData() && (txn == null || (txn.markerOffset >= 0 && txn.decided == ControlRecordType.COMMIT));
        }

        /** Data not aborted: what the cleaner must treat as real. */
        boolean notAborted() {
            return isData() && (txn == null || !txn.aborted());
        }
    }

    private final TreeMap<Long, Batch> batches = new TreeMap<>();
    private final List<Txn> txns = new ArrayList<>();
    private long logStart;
    private long logEnd;

    long logStart() {
        return logStart;
    }

    long logEnd() {
        return logEnd;
    }

    Collection<Batch> batches() {
        return batches.values();
    }

    Txn newTxn(long producerId) {
        var txn = new Txn(producerId);
        txns.add(txn);
        return txn;
    }

    Batch appendData(long baseOffset, long producerId, Txn txn, List<Rec> records) {
        check(baseOffset == logEnd, "a batch appended at " + baseOffset + " where the log ends at " + logEnd);
        long max = records.stream().mapToLong(Rec::timestamp).max().orElse(-1);
        var batch = new Batch(baseOffset, baseOffset + records.size() - 1, producerId, txn, null,
                List.copyOf(records), max);
        add(batch);
        if (txn != null) {
            txn.batches.add(batch);
            if (txn.firstOffset < 0) {
                txn.firstOffset = baseOffset;
            }
        }
        return batch;
    }

    /** A COMMIT or ABORT marker; {@code txn} null for a producer without a transaction here. */
    Batch appendMarker(long offset, long producerId, Txn txn, ControlRecordType type, long timestamp) {
        check(offset == logEnd, "a marker appended at " + offset + " where the log ends at " + logEnd);
        var batch = new Batch(offset, offset, producerId, txn, type,
                List.of(new Rec(offset, type.name(), null, timestamp)), timestamp);
        add(batch);
        if (txn != null) {
            txn.decided = type;
            txn.markerOffset = offset;
            txn.firstOffset = -1;
        }
        return batch;
    }

    private void add(Batch batch) {
        batches.put(batch.baseOffset(), batch);
        logEnd = batch.lastOffset() + 1;
    }

    void advanceLogStart(long offset) {
        logStart = Math.max(logStart, offset);
    }

    /** Whether {@code offset} falls between two batches (or at the log's ends), never inside one. */
    boolean isBatchBoundary(long offset) {
        var before = batches.lowerEntry(offset);
        return before == null || before.getValue().lastOffset() < offset;
    }

    /**
     * The log lost everything from {@code end} on (a crash cut its unflushed tail); {@code logStartAfter} is where
     * it starts after reopening and {@code firstSegmentBase} the oldest segment it reloaded. The producer state is
     * rebuilt from the log: a transaction begins at its first batch still there.
     */
    void reopened(long end, long logStartAfter, long firstSegmentBase) {
        check(isBatchBoundary(end), "the log reopened at " + end + ", inside a batch");
        batches.tailMap(end, true).clear();
        logEnd = end;
        logStart = logStartAfter;
        for (Txn txn : txns) {
            txn.batches.removeIf(batch -> batch.baseOffset() >= end);
            if (txn.markerOffset >= end) {
                txn.markerOffset = -1;
            }
            if (txn.markerOffset < 0) {
                txn.firstOffset = txn.batches.stream().mapToLong(Batch::baseOffset).filter(o -> o >= firstSegmentBase)
                        .min().orElse(-1);
            }
        }
        txns.removeIf(txn -> txn.batches.isEmpty() && txn.markerOffset < 0);
    }

    /** The transactions whose data is in the log without their marker. */
    List<Txn> unfinishedTxns() {
        return txns.stream().filter(txn -> !txn.batches.isEmpty() && txn.markerOffset < 0).toList();
    }

    /** The high watermark, or the first offset of the oldest open transaction, never below the log start. */
    long lastStableOffset() {
        long stable = logEnd;
        for (Txn txn : txns) {
            if (txn.openInLog()) {
                stable = Math.min(stable, Math.max(txn.firstOffset, logStart));
            }
        }
        return stable;
    }

    /** The batches a read from {@code offset} (at or above the log start) may return below {@code bound}. */
    List<Batch> batchesFrom(long offset, long bound) {
        var from = batches.floorEntry(offset);
        long key = from != null && from.getValue().lastOffset() >= offset ? from.getKey() : offset;
        if (key >= bound) {
            return new ArrayList<>();
        }
        return new ArrayList<>(batches.subMap(key, true, bound, false).values());
    }

    Batch batchAt(long baseOffset) {
        return batches.get(baseOffset);
    }

    /**
     * The latest data record per key in [log start, {@code bound}) among those {@code committedOnly} keeps (else
     * those not aborted), tombstones included: what compaction must keep.
     */
    Map<String, Rec> latestPerKey(long bound, boolean committedOnly) {
        var latest = new HashMap<String, Rec>();
        for (Batch batch : batches.values()) {
            if (batch.lastOffset() < logStart || batch.baseOffset() >= bound || !(committedOnly ? batch.committed() : batch.notAborted())) {
                continue;
            }
            for (Rec rec : batch.records()) {
                if (rec.offset() >= logStart && rec.offset() < bound) {
                    latest.put(rec.key(), rec);
                }
            }
        }
        return latest;
    }

    /** The table a read_committed consumer builds reading [log start, last stable offset): tombstones delete. */
    Map<String, String> committedTable() {
        var table = new LinkedHashMap<String, String>();
        latestPerKey(lastStableOffset(), true).values().stream()
                .sorted(java.util.Comparator.comparingLong(Rec::offset))
                .filter(rec -> rec.value() != null)
                .forEach(rec -> table.put(rec.key(), rec.value()));
        return table;
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
