package io.tributary.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.apache.kafka.common.utils.Time;

/**
 * Compacts one log in one pass, as Kafka's Cleaner does:
 *
 * <ol>
 *   <li>Map every key of the dirty range [first dirty, first uncleanable) to its latest offset, until the
 *       {@link OffsetMap} is {@code load factor} full; the pass then covers only up to the last batch mapped,
 *       and the next pass goes on from there. That is how a log with far more keys than the map converges.
 *   <li>Rewrite every segment from the start of the log to the end of that coverage, in groups of adjacent
 *       segments that fit together in {@code segment.bytes} (and index sizes), each group into one
 *       {@code .cleaned} segment at the group's base offset: a record survives if no later record of the map
 *       has its key. Survivors keep their offsets (batches are rebuilt by kafka-clients'
 *       {@link MemoryRecords#filterTo}, which keeps each batch's base and last offset and producer fields).
 *   <li>Tombstones (null values) follow KIP-534: the first pass that keeps one stamps its batch with a delete
 *       horizon of now + {@code delete.retention.ms}; a pass after the horizon removes it.
 *   <li>Flush each group's cleaned segment (log and indexes) and swap it in with
 *       {@link PartitionLog#replaceSegments}.
 * </ol>
 *
 * <p>An IOException (reading, writing or swapping) ends the pass with the group's cleaned segment removed and the
 * log as it was, unless the swap was committed (then the log directory is offline already, see
 * {@link PartitionLog#replaceSegments}); {@link LogCleaner} takes the directory offline.
 *
 * <p>Which emptied batches stay is {@link CompactionFilter}'s call. Records of aborted transactions are neither
 * mapped nor kept ({@link AbortedBatches}); a transaction marker goes once its transaction has no record left
 * ({@link CleanedTransactions}) and its delete horizon passed. A group whose records all go becomes an empty
 * segment; the next pass merges it away.
 *
 * <p>Not thread-safe: each cleaner thread owns one, with its map and buffers.
 */
final class Cleaner {
    /** Thrown between batches when the cleaner stops or the log is being deleted. */
    static final class AbortedException extends RuntimeException {
        AbortedException() {
            super("cleaning aborted", null, false, false);
        }
    }

    /** Tells the cleaner, between chunks, whether to give up on the log it is cleaning. */
    interface AbortCheck {
        boolean aborted(PartitionLog log);
    }

    /** What one pass did. */
    record Result(long nextDirtyOffset, long bytesBefore, long bytesAfter, int groups, int recordsRead,
                  int recordsRetained) {
    }

    /** What cleaning one group of segments did. */
    private record GroupResult(long bytesBefore, long bytesAfter, int recordsRead, int recordsRetained) {
    }

    /** The default {@link #beforeWrite}: does nothing. */
    static final LogSegment.WriteInterceptor NO_FAULT = (file, channel, bytes) -> { };

    /**
     * Test seam, as {@link LogSegment#beforeWrite}: runs just before retained batches go to a cleaned segment's log
     * file, with that file's channel and the bytes; a test writes part of them and throws, as a full disk does.
     */
    static volatile LogSegment.WriteInterceptor beforeWrite = NO_FAULT;

    private final OffsetMap map;
    private final double loadFactor;
    private final int ioBufferBytes;
    private final Throttler throttler;
    private final Time time;
    private final AbortCheck abortCheck;
    private final BufferSupplier decompression = BufferSupplier.create();
    private ByteBuffer readBuffer;
    private ByteBuffer writeBuffer;

    Cleaner(long mapBytes, double loadFactor, int ioBufferBytes, Throttler throttler, Time time,
            AbortCheck abortCheck) {
        this.map = new OffsetMap(mapBytes);
        this.loadFactor = loadFactor;
        this.ioBufferBytes = ioBufferBytes;
        this.throttler = throttler;
        this.time = time;
        this.abortCheck = abortCheck;
        if (map.maxSlots() * loadFactor < 1) {
            throw new IllegalArgumentException("The offset map is too small to hold a single key: raise "
                    + "log.cleaner.dedupe.buffer.size or lower log.cleaner.threads");
        }
    }

    Result clean(LogToClean cleanable) throws IOException {
        PartitionLog log = cleanable.log();
        long nowMs = time.milliseconds();
        // The map needs at most one slot per offset of the dirty range: a small log never allocates the whole
        // dedupe buffer.
        long dirtyOffsets = cleanable.firstUncleanableOffset() - cleanable.firstDirtyOffset();
        map.clear((long) Math.ceil(dirtyOffsets / loadFactor) + 1);
        buildOffsetMap(log, cleanable.firstDirtyOffset(), cleanable.firstUncleanableOffset());
        long endOffset = map.latestOffset() + 1;

        LogConfig config = log.config();
        Set<Long> batchesToKeep = log.producerBatchesToKeep();
        var transactions = new CleanedTransactions();
        Result total = new Result(endOffset, 0, 0, 0, 0, 0);
        for (List<LogSegment> group : groupBySize(log.segmentsBetween(0, endOffset), config.segmentBytes(),
                config.segmentIndexBytes(), cleanable.firstUncleanableOffset())) {
            GroupResult cleaned = cleanGroup(log, group, nowMs, batchesToKeep, transactions,
                    cleanable.firstUncleanableOffset());
            total = new Result(endOffset, total.bytesBefore() + cleaned.bytesBefore(),
                    total.bytesAfter() + cleaned.bytesAfter(), total.groups() + 1,
                    total.recordsRead() + cleaned.recordsRead(), total.recordsRetained() + cleaned.recordsRetained());
        }
        return total;
    }

    /** Puts every keyed record of [start, end) in the map, stopping at a batch boundary when it is full. */
    private void buildOffsetMap(PartitionLog log, long start, long end) throws IOException {
        int maxEntries = (int) (map.slots() * loadFactor);
        List<LogSegment> dirty = log.segmentsBetween(start, end);
        AbortedBatches aborted = AbortedBatches.of(log, start, end);
        for (int i = 0; i < dirty.size(); i++) {
            LogSegment segment = dirty.get(i);
            FileRecords records = segment.records();
            FileRecords.LogOffsetPosition from = segment.translateOffset(start);
            int position = from == null ? records.sizeInBytes() : from.position;
            while (position < records.sizeInBytes()) {
                MemoryRecords chunk = read(log, records, position);
                for (MutableRecordBatch batch : chunk.batches()) {
                    if (batch.lastOffset() < start) {
                        continue;
                    }
                    boolean skip = batch.isControlBatch() || aborted.isAborted(batch);
                    if (!skip && !mapBatch(batch, start, maxEntries)) {
                        return;
                    }
                    map.updateLatestOffset(batch.lastOffset());
                }
                position += chunk.validBytes();
            }
            // Offsets up to the next segment are covered, even where compaction left a gap at this one's end.
            map.updateLatestOffset((i + 1 < dirty.size() ? dirty.get(i + 1).baseOffset() : end) - 1);
        }
    }

    /** False when the map filled up inside this batch: the batch is not covered. */
    private boolean mapBatch(RecordBatch batch, long start, int maxEntries) {
        try (CloseableIterator<Record> records = batch.streamingIterator(decompression)) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.hasKey() && record.offset() >= start) {
                    if (map.size() >= maxEntries) {
                        return false;
                    }
                    map.put(record.key(), record.offset());
                }
            }
        }
        return true;
    }

    private GroupResult cleanGroup(PartitionLog log, List<LogSegment> group, long nowMs,
                                   Set<Long> batchesToKeep, CleanedTransactions transactions,
                                   long firstUncleanableOffset) throws IOException {
        LogConfig config = log.config();
        LogSegment first = group.get(0);
        for (String suffix : new String[] {".log", ".index", ".timeindex"}) {
            Files.deleteIfExists(log.dir().resolve(LogSegment.fileName(first.baseOffset(),
                    suffix + PartitionLog.CLEANED_SUFFIX)));
        }
        LogSegment cleaned = LogSegment.open(log.dir(), first.baseOffset(), config, nowMs, PartitionLog.CLEANED_SUFFIX);
        var filter = new CompactionFilter(map, nowMs, config.deleteRetentionMs(), batchesToKeep,
                firstUncleanableOffset, AbortedBatches.of(log, first.baseOffset(), firstUncleanableOffset),
                transactions);
        long before = 0;
        int read = 0;
        int retained = 0;
        long after;
        try {
            for (LogSegment segment : group) {
                FileRecords records = segment.records();
                before += records.sizeInBytes();
                int position = 0;
                while (position < records.sizeInBytes()) {
                    MemoryRecords chunk = read(log, records, position);
                    writeBuffer.clear();
                    MemoryRecords.FilterResult result = chunk.filterTo(filter, writeBuffer, decompression);
                    position += result.bytesRead();
                    read += result.messagesRead();
                    retained += result.messagesRetained();
                    ByteBuffer output = result.outputBuffer();
                    if (output.position() > 0) {
                        output.flip();
                        beforeWrite.beforeWrite(cleaned.records().file().toPath(), cleaned.records().channel(),
                                output.duplicate());
                        cleaned.appendRetained(MemoryRecords.readableRecords(output));
                        throttler.maybeThrottle(output.limit());
                    }
                    if (output != writeBuffer && output.capacity() > writeBuffer.capacity()) {
                        writeBuffer = ByteBuffer.allocate(output.capacity());
                    }
                }
            }
            // The log file and the indexes, before the swap as in Kafka: the swapped-in segment is then complete on
            // disk (a restart may trust its indexes) and, like any flushed segment, holds no index entries on the
            // heap, so compacted inactive segments cost no memory.
            cleaned.flush();
            // As in Kafka, the cleaned segment keeps the last replaced one's modification time: retention and the
            // compaction lags count from it for records without timestamps, and cleaning must not reset them.
            cleaned.lastModifiedMs(group.get(group.size() - 1).lastModifiedMs());
            after = cleaned.sizeInBytes();
            if (!log.replaceSegments(cleaned, group)) {
                throw new AbortedException();
            }
        } catch (IOException | RuntimeException e) {
            // replaceSegments changed nothing unless it returned true: the old segments are the log still.
            discard(log, cleaned, e);
            throw e;
        }
        log.abortedTransactions().removeMarkers(filter.discardedMarkers());
        return new GroupResult(before, after, read, retained);
    }

    /**
     * Removes a cleaned segment that will not be swapped in, as Kafka's cleaner does. Once the log directory is
     * offline (this failure, or another's) only its handles are closed: nothing more is done there, and the next
     * start removes every {@code .cleaned} file.
     */
    private static void discard(PartitionLog log, LogSegment cleaned, Exception failure) {
        try {
            if (log.isOffline()) {
                cleaned.closeHandlers();
            } else {
                cleaned.delete();
            }
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Reads the batches at {@code position} into the read buffer: as many whole batches as fit, and at least the
     * next one (the buffer grows to it, whatever max.message.bytes says now).
     */
    private MemoryRecords read(PartitionLog log, FileRecords records, int position) throws IOException {
        if (abortCheck.aborted(log)) {
            throw new AbortedException();
        }
        if (readBuffer == null) {
            readBuffer = ByteBuffer.allocate(ioBufferBytes);
            writeBuffer = ByteBuffer.allocate(ioBufferBytes);
        }
        readBuffer.clear();
        records.readInto(readBuffer, position);
        MemoryRecords chunk = MemoryRecords.readableRecords(readBuffer);
        if (chunk.validBytes() == 0 && readBuffer.limit() >= Records.LOG_OVERHEAD) {
            int batchBytes = readBuffer.getInt(Records.SIZE_OFFSET) + Records.LOG_OVERHEAD;
            if (batchBytes <= readBuffer.capacity() || batchBytes > records.sizeInBytes() - position) {
                // Not an I/O error: the disk works, the log is corrupt. Kafka leaves such a log uncleanable.
                throw new CorruptRecordException("Corrupt batch at position " + position + " of " + records.file());
            }
            readBuffer = ByteBuffer.allocate(batchBytes);
            writeBuffer = ByteBuffer.allocate(Math.max(writeBuffer.capacity(), batchBytes));
            return read(log, records, position);
        }
        throttler.maybeThrottle(chunk.validBytes());
        return chunk;
    }

    /**
     * Groups adjacent segments so each group's log, offset index and time index fit in one segment, and its
     * offsets fit the index's 32-bit relative offsets (Kafka's groupSegmentsBySize).
     */
    static List<List<LogSegment>> groupBySize(List<LogSegment> segments, int maxBytes, int maxIndexBytes,
                                              long firstUncleanableOffset) {
        var groups = new ArrayList<List<LogSegment>>();
        int i = 0;
        while (i < segments.size()) {
            var group = new ArrayList<LogSegment>();
            LogSegment head = segments.get(i++);
            group.add(head);
            long logBytes = head.sizeInBytes();
            long offsetIndexBytes = head.offsetIndexSizeInBytes();
            long timeIndexBytes = head.timeIndexSizeInBytes();
            while (i < segments.size()) {
                LogSegment next = segments.get(i);
                long lastOffset = i + 1 < segments.size() ? segments.get(i + 1).baseOffset() - 1
                        : firstUncleanableOffset - 1;
                if (logBytes + next.sizeInBytes() > maxBytes
                        || offsetIndexBytes + next.offsetIndexSizeInBytes() > maxIndexBytes
                        || timeIndexBytes + next.timeIndexSizeInBytes() > maxIndexBytes
                        || (next.sizeInBytes() > 0 && lastOffset - head.baseOffset() > Integer.MAX_VALUE)) {
                    break;
                }
                group.add(next);
                logBytes += next.sizeInBytes();
                offsetIndexBytes += next.offsetIndexSizeInBytes();
                timeIndexBytes += next.timeIndexSizeInBytes();
                i++;
            }
            groups.add(group);
        }
        return groups;
    }
}
