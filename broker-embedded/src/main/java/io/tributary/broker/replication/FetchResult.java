package io.tributary.broker.replication;

import io.tributary.broker.log.AbortedTransactions.AbortedTxn;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;

/**
 * What a fetch returns for one partition: the records (a zero-copy file slice) or an error, plus offsets. A
 * read_committed fetch also carries the aborted transactions its records overlap; null under read_uncommitted. A
 * follower whose log diverged from the leader's gets {@code divergingEpoch} (KIP-320) and no records; null
 * otherwise.
 */
public record FetchResult(Errors error, long highWatermark, long lastStableOffset, long logStartOffset,
                          Records records, List<AbortedTxn> abortedTransactions,
                          FollowerReplica.EpochEndOffset divergingEpoch) {

    public FetchResult(Errors error, long highWatermark, long lastStableOffset, long logStartOffset, Records records,
                       List<AbortedTxn> abortedTransactions) {
        this(error, highWatermark, lastStableOffset, logStartOffset, records, abortedTransactions, null);
    }

    public static FetchResult error(Errors error) {
        return new FetchResult(error, -1, -1, -1, MemoryRecords.EMPTY, null);
    }
}
