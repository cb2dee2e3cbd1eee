package io.tributary.broker.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes or discards, when a partition log opens, the file work a crash interrupted, with Kafka's rules:
 *
 * <pre>
 * *.deleted, *.tmp          a deletion or checkpoint in progress: removed
 * *.cleaned                 a compaction that never reached its swap: removed (the old segments are intact)
 * &lt;base&gt;.log.swap           a complete, flushed cleaned segment: every segment whose base offset falls in
 *                           [base, its next offset) is removed, then it takes the name &lt;base&gt;.log
 * *.index.swap, *.timeindex.swap, and the replaced segments' indexes: removed, rebuilt from the log
 * </pre>
 *
 * <p>A swap file's range ends after its last batch, so trailing segments of its group that compaction emptied
 * are left in place, with their old records. That is still a consistent log, as in Kafka: a record is obsolete
 * only because of a record at a higher offset, which here lies in a segment this swap did not rewrite (that
 * trailing segment itself, or a later one: the cleaner swaps groups one at a time in offset order). See
 * {@link PartitionLog#replaceSegments}.
 */
final class SwapRecovery {
    private static final Logger log = LoggerFactory.getLogger(SwapRecovery.class);

    private SwapRecovery() {
    }

    static void run(TopicPartition topicPartition, Path dir, LogConfig config, long nowMs) throws IOException {
        var swaps = new ArrayList<Long>();
        var regular = new ArrayList<Long>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".deleted") || name.endsWith(".tmp") || name.endsWith(PartitionLog.CLEANED_SUFFIX)
                        || name.endsWith(".index" + PartitionLog.SWAP_SUFFIX)
                        || name.endsWith(".timeindex" + PartitionLog.SWAP_SUFFIX)) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(".log" + PartitionLog.SWAP_SUFFIX)) {
                    swaps.add(Long.parseLong(name.substring(0, name.indexOf('.'))));
                } else if (name.endsWith(".log") || name.endsWith(".index") || name.endsWith(".timeindex")) {
                    // Indexes count on their own: an old segment may have lost its .log to .deleted already.
                    regular.add(Long.parseLong(name.substring(0, name.indexOf('.'))));
                }
            }
        }
        swaps.sort(Long::compare);
        for (long swapBase : swaps) {
            LogSegment swap = LogSegment.open(dir, swapBase, config, nowMs, PartitionLog.SWAP_SUFFIX);
            long swapEnd = Math.max(swap.recover(swapBase), swapBase + 1);
            for (long base : regular) {
                if (base >= swapBase && base < swapEnd) {
                    for (String suffix : new String[] {".log", ".index", ".timeindex"}) {
                        Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, suffix)));
                    }
                }
            }
            // Its indexes were rebuilt by the recover() above; the rename gives them their final names too.
            swap.changeFileSuffixes(PartitionLog.SWAP_SUFFIX, "");
            swap.flush();
            swap.close();
            log.info("{}: completed an interrupted compaction swap: segment {} replaces the segments below offset {}",
                    topicPartition, swapBase, swapEnd);
        }
    }
}
