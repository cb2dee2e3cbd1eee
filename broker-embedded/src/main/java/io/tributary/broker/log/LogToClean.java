package io.tributary.broker.log;

import java.util.List;

/**
 * A compacted log's cleanable range, computed with Kafka's rules (LogCleanerManager.cleanableOffsets):
 *
 * <pre>
 *  log start     first dirty offset        first uncleanable offset      active segment
 *  |-- clean -----|------- cleanable (dirty) ------|---- not yet (lag, HW) ----|-- never --|
 * </pre>
 *
 * <ul>
 *   <li>The first dirty offset is the cleaner checkpoint, or the log start when it is missing or out of range.
 *   <li>The range ends, at a segment boundary, at the first of: the active segment, the high watermark, the
 *       first dirty segment whose newest record is younger than {@code min.compaction.lag.ms}.
 *   <li>A log is cleanable when {@code dirty bytes / total bytes > min.cleanable.dirty.ratio}, or when a dirty
 *       segment's first batch is older than {@code max.compaction.lag.ms} (then any dirty bytes will do).
 *   <li>A segment whose records have no timestamps is as old as its file's last modification, for both lags (as
 *       for retention.ms: Kafka's {@code LogSegment.largestTimestamp}). Kafka never forces such a segment by
 *       max.compaction.lag.ms; here the file's age bounds it, so the lag holds for records without timestamps too.
 * </ul>
 */
record LogToClean(PartitionLog log, long firstDirtyOffset, long firstUncleanableOffset, long cleanBytes,
                  long cleanableBytes, boolean needsCompactionNow) {

    static LogToClean of(PartitionLog log, Long checkpointedDirtyOffset, long nowMs) {
        LogConfig config = log.config();
        long logStart = log.logStartOffset();
        long firstDirty = checkpointedDirtyOffset == null || checkpointedDirtyOffset < logStart
                || checkpointedDirtyOffset > log.logEndOffset() ? logStart : checkpointedDirtyOffset;

        LogSegment active = log.activeSegment();
        List<LogSegment> dirty = log.segmentsBetween(firstDirty, active.baseOffset());
        long uncleanable = Math.min(active.baseOffset(), log.highWatermark());
        if (config.minCompactionLagMs() > 0) {
            for (LogSegment segment : dirty) {
                if (segment.largestTimestamp() > nowMs - config.minCompactionLagMs()) {
                    uncleanable = Math.min(uncleanable, segment.baseOffset());
                    break;
                }
            }
        }
        uncleanable = Math.max(firstDirty, uncleanable);
        // Round down to the start of the segment holding it: the cleaner rewrites whole segments.
        long firstUncleanable = active.baseOffset();
        List<LogSegment> holding = log.segmentsBetween(uncleanable, active.baseOffset());
        if (!holding.isEmpty()) {
            firstUncleanable = holding.get(0).baseOffset();
        }

        long cleanBytes = sizeOf(log.segmentsBetween(-1, firstDirty));
        long cleanableBytes = sizeOf(log.segmentsBetween(Math.min(firstDirty, firstUncleanable), firstUncleanable));

        long earliestDirtyTimestamp = Long.MAX_VALUE;
        for (LogSegment segment : dirty) {
            long first = segment.firstBatchTimestamp();
            if (first < 0) {
                first = segment.lastModifiedMs();
            }
            if (first > 0) {
                earliestDirtyTimestamp = Math.min(earliestDirtyTimestamp, first);
            }
        }
        boolean needsCompactionNow = earliestDirtyTimestamp < nowMs - Math.max(config.maxCompactionLagMs(), 0);
        return new LogToClean(log, firstDirty, firstUncleanable, cleanBytes, cleanableBytes, needsCompactionNow);
    }

    private static long sizeOf(List<LogSegment> segments) {
        long size = 0;
        for (LogSegment segment : segments) {
            size += segment.sizeInBytes();
        }
        return size;
    }

    long totalBytes() {
        return cleanBytes + cleanableBytes;
    }

    double cleanableRatio() {
        return totalBytes() == 0 ? 0 : (double) cleanableBytes / totalBytes();
    }

    boolean isCleanable() {
        return totalBytes() > 0 && ((needsCompactionNow && cleanableBytes > 0)
                || cleanableRatio() > log.config().minCleanableDirtyRatio());
    }
}
