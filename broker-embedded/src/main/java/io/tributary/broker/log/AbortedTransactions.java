package io.tributary.broker.log;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The aborted transactions of one partition, which Fetch hands to {@code read_committed} consumers so they drop
 * those records (KIP-98: a consumer reads up to the last stable offset and skips every batch of a listed producer
 * from the transaction's first offset to its ABORT marker).
 *
 * <p>Kept in memory and rebuilt from the markers each time the partition's log is replayed on open, where Kafka
 * keeps a {@code .txnindex} file per segment. Entries are keyed by the offset of their ABORT marker, which only
 * grows. The cleaner reads it too: records of aborted transactions never survive compaction. Thread-safe: the
 * partition's producer state adds under its append lock while fetches and the cleaner read concurrently.
 */
public final class AbortedTransactions {
    /** One aborted transaction: its producer, its first record's offset and its ABORT marker's offset. */
    public record AbortedTxn(long producerId, long firstOffset, long lastOffset) {
    }

    private final ConcurrentSkipListMap<Long, AbortedTxn> byLastOffset = new ConcurrentSkipListMap<>();
    /** The longest span (last - first) of any entry: bounds how far past a range a relevant entry can end. */
    private volatile long maxSpan;

    public void add(long producerId, long firstOffset, long lastOffset) {
        byLastOffset.put(lastOffset, new AbortedTxn(producerId, firstOffset, lastOffset));
        maxSpan = Math.max(maxSpan, lastOffset - firstOffset);
    }

    /**
     * The aborted transactions that overlap [{@code fromOffset}, {@code toOffset}): those not finished before
     * {@code fromOffset} and started before {@code toOffset}, in marker order.
     */
    public List<AbortedTxn> overlapping(long fromOffset, long toOffset) {
        var found = new ArrayList<AbortedTxn>();
        long scanLimit = toOffset + maxSpan;
        for (AbortedTxn txn : byLastOffset.tailMap(fromOffset).values()) {
            if (txn.lastOffset() > scanLimit) {
                break;
            }
            if (txn.firstOffset() < toOffset) {
                found.add(txn);
            }
        }
        return found;
    }

    /** Whether {@link #overlapping} would list anything, without listing it. */
    boolean overlaps(long fromOffset, long toOffset) {
        long scanLimit = toOffset + maxSpan;
        for (AbortedTxn txn : byLastOffset.tailMap(fromOffset).values()) {
            if (txn.lastOffset() > scanLimit) {
                return false;
            }
            if (txn.firstOffset() < toOffset) {
                return true;
            }
        }
        return false;
    }

    /** The aborted transactions overlapping [{@code fromOffset}, {@code toOffset}), by first offset. */
    List<AbortedTxn> overlappingByFirstOffset(long fromOffset, long toOffset) {
        var found = new ArrayList<>(overlapping(fromOffset, toOffset));
        found.sort(java.util.Comparator.comparingLong(AbortedTxn::firstOffset));
        return found;
    }

    /**
     * Forgets the transactions whose ABORT markers the cleaner removed: their records went before them, and a
     * listed transaction without its marker would hide the producer's later records from read_committed consumers.
     */
    void removeMarkers(Collection<Long> markerOffsets) {
        markerOffsets.forEach(byLastOffset::remove);
    }

    /** Forgets transactions that ended below {@code logStartOffset} (their records are gone). */
    public void removeBelow(long logStartOffset) {
        byLastOffset.headMap(logStartOffset).clear();
    }

    public void clear() {
        byLastOffset.clear();
        maxSpan = 0;
    }

    public int size() {
        return byLastOffset.size();
    }
}
