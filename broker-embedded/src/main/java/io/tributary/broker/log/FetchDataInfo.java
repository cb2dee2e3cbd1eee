package io.tributary.broker.log;

import io.tributary.broker.log.AbortedTransactions.AbortedTxn;
import java.util.List;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;

/**
 * What one read of a partition log returns: the records (a zero-copy slice of one segment file, or empty) and, for a
 * read_committed consumer, the aborted transactions those records overlap (KIP-98); null for other readers.
 */
public record FetchDataInfo(Records records, List<AbortedTxn> abortedTransactions) {
    private static final FetchDataInfo EMPTY = new FetchDataInfo(MemoryRecords.EMPTY, null);
    private static final FetchDataInfo EMPTY_WITH_ABORTED = new FetchDataInfo(MemoryRecords.EMPTY, List.of());

    /**
     * No records; an empty aborted list when the reader asked for one. Shared: a follower's fetch reads every
     * partition of its session, most of them with nothing new.
     */
    public static FetchDataInfo empty(boolean includeAbortedTransactions) {
        return includeAbortedTransactions ? EMPTY_WITH_ABORTED : EMPTY;
    }
}
