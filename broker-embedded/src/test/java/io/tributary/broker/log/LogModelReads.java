package io.tributary.broker.log;

import static io.tributary.broker.log.LogModel.check;

import io.tributary.broker.log.AbortedTransactions.AbortedTxn;
import io.tributary.broker.log.LogModel.Batch;
import io.tributary.broker.log.LogModel.Rec;
import io.tributary.broker.replication.FetchResult;
import io.tributary.broker.replication.Partition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Consumer reads of a partition checked against a {@link LogModel}: what comes back must be in the model and in
 * offset order, start at the offset asked for, leave out nothing below the high watermark (read_uncommitted) or the
 * last stable offset (read_committed), and under read_committed keep, once filtered as Kafka's consumer filters
 * (KIP-98: the listed aborted transactions hide their producers' batches up to the ABORT marker), exactly the
 * committed records. Offsets outside [log start, log end] must be answered out of range.
 *
 * <p>On a compacted log a record may be missing when compaction may have removed it: below the offset the cleaner
 * was last allowed to reach, unless it is the latest value of its key (tombstones aside, which go after
 * delete.retention.ms).
 */
final class LogModelReads {
    /** What one read returned: the offset after its last batch (-1 if none) and the records a consumer keeps. */
    record Outcome(long nextOffset, List<Rec> kept) {
    }

    private final LogModel model;
    private final boolean compacted;
    /** Compaction never reached this offset or above. */
    private long cleanedBelow;

    LogModelReads(LogModel model, boolean compacted) {
        this.model = model;
        this.compacted = compacted;
    }

    /** The cleaner may run with this bound (the first offset it must not clean). */
    void cleanerMayReach(long offset) {
        cleanedBelow = Math.max(cleanedBelow, offset);
    }

    /** Reads from {@code offset} and checks the answer; null when it was (rightly) out of range. */
    Outcome read(Partition partition, long offset, int maxBytes, IsolationLevel isolation) {
        boolean inRange = offset >= model.logStart() && offset <= model.logEnd();
        FetchResult result;
        try {
            result = partition.readForConsumer(offset, maxBytes, true, isolation);
        } catch (OffsetOutOfRangeException e) {
            check(!inRange, "a read at " + offset + ", inside [" + model.logStart() + ", " + model.logEnd()
                    + "], was answered out of range: " + e.getMessage());
            return null;
        }
        check(inRange, "a read at " + offset + ", outside [" + model.logStart() + ", " + model.logEnd()
                + "], was answered with records instead of out of range");
        check(result.highWatermark() == model.logEnd(), "high watermark " + result.highWatermark() + ", expected "
                + model.logEnd());
        check(result.lastStableOffset() == model.lastStableOffset(), "last stable offset "
                + result.lastStableOffset() + ", expected " + model.lastStableOffset());
        check(result.logStartOffset() == model.logStart(), "log start " + result.logStartOffset() + ", expected "
                + model.logStart());
        boolean readCommitted = isolation == IsolationLevel.READ_COMMITTED;
        long bound = readCommitted ? model.lastStableOffset() : model.logEnd();
        String where = isolation + " read at " + offset + " (max " + maxBytes + " bytes, bound " + bound + "): ";

        Supplier<Map<String, Rec>> latest = new Supplier<>() {
            private Map<String, Rec> computed;

            @Override
            public Map<String, Rec> get() {
                if (computed == null) {
                    computed = model.latestPerKey(model.logEnd(), false);
                }
                return computed;
            }
        };
        List<Batch> expected = model.batchesFrom(offset, bound);
        // The log start may cut a batch in two, and an open transaction pin the bound there: that batch stays out.
        expected.removeIf(batch -> batch.lastOffset() >= bound);
        var returned = new ArrayList<RecordBatch>();
        result.records().batches().forEach(returned::add);
        int next = 0;
        long previousLast = -1;
        var committedOffsets = new ArrayList<Long>();
        for (RecordBatch batch : returned) {
            check(batch.lastOffset() >= offset, where + "batch [" + batch.baseOffset() + ", " + batch.lastOffset()
                    + "] ends below the offset asked for");
            check(batch.lastOffset() < bound, where + "batch [" + batch.baseOffset() + ", " + batch.lastOffset()
                    + "] reaches the bound");
            check(batch.baseOffset() > previousLast, where + "batches out of order at " + batch.baseOffset());
            Batch appended = model.batchAt(batch.baseOffset());
            check(appended != null && appended.lastOffset() == batch.lastOffset(), where + "batch ["
                    + batch.baseOffset() + ", " + batch.lastOffset() + "] was never appended");
            while (next < expected.size() && expected.get(next) != appended) {
                Batch skipped = expected.get(next++);
                check(!mustKeepAny(skipped, latest), where + "batch [" + skipped.baseOffset() + ", "
                        + skipped.lastOffset() + "] is missing before " + batch.baseOffset());
            }
            check(next < expected.size(), where + "batch at " + batch.baseOffset() + " is not one to return");
            next++;
            List<Long> present = checkBatch(where, batch, appended, latest);
            if (appended.committed()) {
                present.stream().filter(o -> o >= offset).forEach(committedOffsets::add);
            }
            previousLast = batch.lastOffset();
        }
        if (returned.isEmpty()) {
            for (Batch batch : expected) {
                check(!mustKeepAny(batch, latest), where + "nothing returned, but batch [" + batch.baseOffset()
                        + ", " + batch.lastOffset() + "] is there");
            }
        }
        var kept = new ArrayList<Rec>();
        if (readCommitted) {
            for (long keptOffset : keptByReadCommittedConsumer(returned, result.abortedTransactions(), offset)) {
                Batch batch = model.batchesFrom(keptOffset, keptOffset + 1).get(0);
                kept.add(batch.records().get((int) (keptOffset - batch.baseOffset())));
            }
            check(kept.stream().map(Rec::offset).toList().equals(committedOffsets), where + "a read_committed "
                    + "consumer keeps " + kept.stream().map(Rec::offset).toList() + " (aborted transactions listed: "
                    + result.abortedTransactions() + "), the committed records returned are " + committedOffsets);
        }
        return new Outcome(returned.isEmpty() ? -1 : previousLast + 1, kept);
    }

    /** Checks one returned batch against the one appended; returns the offsets of its records. */
    private List<Long> checkBatch(String where, RecordBatch batch, Batch appended, Supplier<Map<String, Rec>> latest) {
        String what = where + "batch at " + batch.baseOffset() + ": ";
        check(batch.isControlBatch() == !appended.isData(), what + "control flag " + batch.isControlBatch());
        check(batch.producerId() == appended.producerId(), what + "producer " + batch.producerId() + ", expected "
                + appended.producerId());
        check(batch.isTransactional() == (appended.txn() != null), what + "transactional " + batch.isTransactional());
        var offsets = new ArrayList<Long>();
        for (Record record : batch) {
            long recordOffset = record.offset();
            check(recordOffset >= appended.baseOffset() && recordOffset <= appended.lastOffset(), what + "record at "
                    + recordOffset + " outside the batch");
            check(offsets.isEmpty() || recordOffset > offsets.get(offsets.size() - 1), what + "records out of order");
            Rec rec = appended.records().get((int) (recordOffset - appended.baseOffset()));
            if (appended.isData()) {
                check(Objects.equals(string(record.key()), rec.key()) && Objects.equals(string(record.value()),
                        rec.value()) && record.timestamp() == rec.timestamp(), what + "record at " + recordOffset
                        + " is " + string(record.key()) + "=" + string(record.value()) + "@" + record.timestamp()
                        + ", appended " + rec);
            } else {
                check(ControlRecordType.parse(record.key()).name().equals(rec.key()), what + "marker type");
            }
            offsets.add(recordOffset);
        }
        for (Rec rec : appended.records()) {
            check(offsets.contains(rec.offset()) || !mustKeep(appended, rec, latest), what + "record " + rec
                    + " is missing");
        }
        return offsets;
    }

    private boolean mustKeepAny(Batch batch, Supplier<Map<String, Rec>> latest) {
        return batch.records().stream().anyMatch(rec -> mustKeep(batch, rec, latest));
    }

    /**
     * Whether a record must still be in the log: all of them (from the log start) unless compacted; on a compacted
     * log those the cleaner was never allowed to reach and each key's latest value.
     */
    private boolean mustKeep(Batch batch, Rec rec, Supplier<Map<String, Rec>> latest) {
        if (rec.offset() < model.logStart()) {
            return false;
        }
        if (!compacted || rec.offset() >= cleanedBelow) {
            return true;
        }
        return batch.notAborted() && rec.value() != null && latest.get().get(rec.key()) == rec;
    }

    /**
     * The offsets (from {@code fromOffset}) of the data records a read_committed consumer keeps, as Kafka's
     * consumer filters a fetch answer: a listed aborted transaction hides its producer's transactional batches from
     * its first offset up to its ABORT marker.
     */
    static List<Long> keptByReadCommittedConsumer(List<RecordBatch> batches, List<AbortedTxn> abortedTxns,
                                                  long fromOffset) {
        var pending = new ArrayDeque<>(abortedTxns.stream().sorted(Comparator.comparingLong(AbortedTxn::firstOffset))
                .toList());
        Set<Long> abortedProducers = new HashSet<>();
        var kept = new ArrayList<Long>();
        for (RecordBatch batch : batches) {
            while (!pending.isEmpty() && pending.peek().firstOffset() <= batch.lastOffset()) {
                abortedProducers.add(pending.poll().producerId());
            }
            if (batch.isControlBatch()) {
                var records = batch.iterator();
                if (records.hasNext() && ControlRecordType.parse(records.next().key()) == ControlRecordType.ABORT) {
                    abortedProducers.remove(batch.producerId());
                }
            } else if (!batch.isTransactional() || !abortedProducers.contains(batch.producerId())) {
                for (Record record : batch) {
                    if (record.offset() >= fromOffset) {
                        kept.add(record.offset());
                    }
                }
            }
        }
        return kept;
    }

    /** The table (key → latest value, tombstones deleting) built from records in offset order. */
    static Map<String, String> table(List<Rec> records) {
        var table = new LinkedHashMap<String, String>();
        for (Rec rec : records) {
            if (rec.value() == null) {
                table.remove(rec.key());
            } else {
                table.put(rec.key(), rec.value());
            }
        }
        return table;
    }

    private static String string(ByteBuffer buffer) {
        return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }
}
