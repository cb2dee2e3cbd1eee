package io.tributary.broker.log;

/**
 * The outcome of appending batches to a partition log.
 *
 * @param firstOffset     offset assigned to the first record
 * @param lastOffset      offset assigned to the last record
 * @param logAppendTimeMs the broker time stamped into the batches, or -1 under CreateTime
 * @param logStartOffset  the log start offset after the append
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long logAppendTimeMs, long logStartOffset) {
}
