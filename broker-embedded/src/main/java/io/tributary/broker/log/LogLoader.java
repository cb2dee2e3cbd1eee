package io.tributary.broker.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.NavigableMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory's segments for {@link PartitionLog}, recovering them where needed.
 *
 * <p>First an interrupted cleaner swap is finished or discarded ({@link SwapRecovery}). Segments below the
 * checkpointed recovery point, or all of them after a clean shutdown, only load their indexes. The others are
 * scanned batch by batch (CRC and framing) and truncated after the last intact batch, with their indexes rebuilt.
 * Every segment after a torn one is deleted, since nothing written after a torn write can be trusted in order.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    private LogLoader() {
    }

    /**
     * Loads the segments of {@code dir} into {@code segments} (creating an empty one at the log start offset when
     * there is none), handing every batch, in offset order, to {@code batchVisitor}. Returns the log end offset.
     */
    static long load(TopicPartition topicPartition, Path dir, LogConfig config, long checkpointedRecoveryPoint,
                     long checkpointedLogStart, long nowMs, Consumer<RecordBatch> batchVisitor,
                     NavigableMap<Long, LogSegment> segments) throws IOException {
        SwapRecovery.run(topicPartition, dir, config, nowMs);
        var baseOffsets = new ArrayList<Long>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".log")) {
                    baseOffsets.add(Long.parseLong(name.substring(0, name.length() - 4)));
                }
            }
        }
        baseOffsets.sort(Long::compare);
        long nextOffset = -1;
        boolean truncatedTail = false;
        for (long baseOffset : baseOffsets) {
            LogSegment segment = LogSegment.open(dir, baseOffset, config, nowMs);
            if (truncatedTail) {
                log.warn("{}: deleting segment {} after a torn write in an earlier segment", topicPartition, baseOffset);
                segment.delete();
                continue;
            }
            Long nextBase = baseOffsets.stream().filter(b -> b > baseOffset).findFirst().orElse(null);
            // Long.MAX_VALUE means the directory was shut down cleanly: every segment, the active one too, is
            // flushed and its indexes were written, so nothing needs a CRC scan.
            boolean cleanShutdown = checkpointedRecoveryPoint == Long.MAX_VALUE;
            boolean belowRecoveryPoint = nextBase != null && nextBase <= checkpointedRecoveryPoint;
            long segmentNext;
            if ((belowRecoveryPoint || cleanShutdown) && segment.loadIndexes()) {
                segmentNext = nextBase != null ? nextBase : segment.readNextOffset();
                for (FileChannelRecordBatch batch : segment.records().batches()) {
                    batchVisitor.accept(batch);
                }
            } else {
                int sizeBefore = segment.sizeInBytes();
                segmentNext = segment.recover(baseOffset, batchVisitor);
                if (segment.sizeInBytes() < sizeBefore) {
                    log.warn("{}: recovery truncated segment {} from {} to {} bytes (torn or corrupt tail)",
                            topicPartition, baseOffset, sizeBefore, segment.sizeInBytes());
                    truncatedTail = true;
                }
            }
            segments.put(baseOffset, segment);
            nextOffset = segmentNext >= 0 ? segmentNext : Math.max(nextOffset, baseOffset);
        }
        if (segments.isEmpty()) {
            long base = Math.max(0, checkpointedLogStart);
            segments.put(base, LogSegment.open(dir, base, config, nowMs));
            nextOffset = base;
        }
        return nextOffset;
    }
}
