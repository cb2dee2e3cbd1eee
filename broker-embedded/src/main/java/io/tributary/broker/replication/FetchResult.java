package io.tributary.broker.replication;

import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Records;

/** What a fetch returns for one partition: the records (a zero-copy file slice) or an error, plus offsets. */
public record FetchResult(Errors error, long highWatermark, long lastStableOffset, long logStartOffset,
                          Records records) {
    public static FetchResult error(Errors error) {
        return new FetchResult(error, -1, -1, -1, MemoryRecords.EMPTY);
    }
}
