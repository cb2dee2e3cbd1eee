package io.tributary.broker.log;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Iterator;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;

/**
 * One segment of a partition log: record batches in {@code <baseOffset>.log} exactly as they travel on the wire
 * (magic v2, offsets assigned), with a sparse {@link OffsetIndex} and {@link TimeIndex} beside it.
 *
 * <pre>
 * 00000000000000000000.log        | batch | batch | batch | ...   (append only)
 * 00000000000000000000.index      | relOffset,position | ...     (one entry per index.interval.bytes)
 * 00000000000000000000.timeindex  | maxTimestamp,relOffset | ... (with an .index entry, if the max grew)
 * </pre>
 *
 * <p>Both indexes are bounded as in Kafka: an entry at most every index.interval.bytes, at most segment.index.bytes of
 * them ({@link #indexFull()} rolls the segment), and only unflushed entries on the heap ({@link IndexEntries}), so a
 * rolled or loaded segment costs no heap for its indexes. Whenever the offset index gets an entry, the time index's
 * last entry covers every record before that entry's position; so the largest timestamp of a loaded or truncated
 * segment is that entry's or one of the batches after the last offset index entry (a scan of about
 * index.interval.bytes), as in Kafka's {@code LogSegment.readLargestTimestamp}.
 *
 * <p>This class is not thread-safe for writers: appends, truncation and recovery come from the partition log's
 * single appender. Reads ({@link #read}, lookups) may run concurrently with appends; they only see bytes the
 * caller bounds them to.
 */
final class LogSegment {
    /** Read size of the crash-recovery scan; a batch larger than this is read whole on its own. */
    static final int RECOVERY_CHUNK_BYTES = 4 * 1024 * 1024;
    /** {@code firstBatchTimestamp} before the first batch was seen (or read back): not a timestamp a batch carries. */
    private static final long UNKNOWN = Long.MIN_VALUE;

    private final long baseOffset;
    private final FileRecords records;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final int indexIntervalBytes;
    /**
     * When the segment was created, or last truncated to empty (Kafka's {@code LogSegment.created}): what
     * segment.ms counts from while the first batch has no timestamp. Written and read by the single appender.
     */
    private long createdMs;
    private int bytesSinceLastIndexEntry;
    /** The last offset of the batches that brought {@code maxTimestamp} (Kafka's shallowOffsetOfMaxTimestamp). */
    private long offsetOfMaxTimestamp = -1;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    /**
     * The first batch's max timestamp, NO_TIMESTAMP when that batch has none, UNKNOWN until the first append or,
     * for a segment loaded from disk, until it is first asked for. As in Kafka it is fixed by the first batch: later
     * batches never stand in for a first batch without a timestamp.
     */
    private volatile long firstBatchTimestamp = UNKNOWN;
    /** The batches appended last, so {@link #translateOffset} finds where a fetch from one of them starts at once. */
    private final RecentBatches recent = new RecentBatches();

    /**
     * Test seam: runs in every {@link #append} just before its bytes go to the log file, with the file's channel and
     * those bytes; a test writes part of them and throws, as a disk that fills up mid-write does. Static because
     * tests reach segments through brokers they start; does nothing otherwise.
     */
    static volatile WriteInterceptor beforeWrite = (file, channel, bytes) -> { };

    /** See {@link #beforeWrite}. */
    interface WriteInterceptor {
        void beforeWrite(Path file, FileChannel channel, ByteBuffer bytes) throws IOException;
    }

    private LogSegment(long baseOffset, FileRecords records, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       int indexIntervalBytes, long createdMs) {
        this.baseOffset = baseOffset;
        this.records = records;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.indexIntervalBytes = indexIntervalBytes;
        this.createdMs = createdMs;
    }

    static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
    }

    static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        return open(dir, baseOffset, config, nowMs, "");
    }

    /**
     * Opens (or creates) the segment whose files carry {@code suffix} after their usual names: the cleaner
     * writes {@code <base>.log.cleaned} and its indexes this way before swapping them in.
     */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs, String suffix)
            throws IOException {
        File logFile = dir.resolve(fileName(baseOffset, ".log" + suffix)).toFile();
        FileRecords records = FileRecords.open(logFile, true, false, 0, false);
        return new LogSegment(baseOffset, records,
                new OffsetIndex(dir.resolve(fileName(baseOffset, ".index" + suffix)), baseOffset,
                        config.segmentIndexBytes()),
                new TimeIndex(dir.resolve(fileName(baseOffset, ".timeindex" + suffix)), baseOffset,
                        config.segmentIndexBytes()),
                config.indexIntervalBytes(), nowMs);
    }

    long baseOffset() {
        return baseOffset;
    }

    int sizeInBytes() {
        return records.sizeInBytes();
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    /**
     * How long this segment has waited to roll, the time segment.ms is compared with (Kafka's
     * {@code LogSegment.timeWaitedForRoll}): when its first batch has a timestamp, how much later
     * {@code incomingMaxTimestamp} (the max timestamp of the batches about to be appended) is; otherwise how long ago,
     * on the broker's clock, the segment was created. So a producer writing old timestamps (a backfill, a mirror, a
     * replayed changelog) rolls by the span of its timestamps, never once per append.
     */
    long timeWaitedForRollMs(long nowMs, long incomingMaxTimestamp) {
        long first = firstBatchTimestamp();
        return first >= 0 ? incomingMaxTimestamp - first : nowMs - createdMs;
    }

    /**
     * Restarts the segment.ms clock of a segment that a truncation left empty, as Kafka's {@code LogSegment.truncateTo}
     * does: it waits for a roll from now, not from when its removed batches were written.
     */
    void resetCreatedMs(long nowMs) {
        createdMs = nowMs;
    }

    /**
     * The age reference of retention.ms and min.compaction.lag.ms (Kafka's {@code LogSegment.largestTimestamp}): the
     * largest record timestamp, or, when no record has one, the log file's last modification.
     */
    long largestTimestamp() {
        long max = maxTimestamp;
        return max >= 0 ? max : lastModifiedMs();
    }

    /** When the log file was last written (0 if that cannot be read, as {@link File#lastModified()} says). */
    long lastModifiedMs() {
        return records.file().lastModified();
    }

    /**
     * Sets the log file's last modification: a cleaned segment takes its sources' so that retention, which falls
     * back to it for records without timestamps, does not start over after every cleaning.
     */
    void lastModifiedMs(long ms) throws IOException {
        Files.setLastModifiedTime(records.file().toPath(), FileTime.fromMillis(ms));
    }

    /** Either index holds segment.index.bytes of entries: the segment must roll (Kafka's shouldRoll). */
    boolean indexFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    int offsetIndexSizeInBytes() {
        return offsetIndex.entries() * OffsetIndex.ENTRY_BYTES;
    }

    int timeIndexSizeInBytes() {
        return timeIndex.entries() * TimeIndex.ENTRY_BYTES;
    }

    int offsetIndexEntries() {
        return offsetIndex.entries();
    }

    int timeIndexEntries() {
        return timeIndex.entries();
    }

    /** Heap the two indexes hold for their entries (entries read through a memory map are not on the heap). */
    int indexHeapBytes() {
        return offsetIndex.heapBytes() + timeIndex.heapBytes();
    }

    /**
     * The first batch's max timestamp (what segment.ms and max.compaction.lag.ms are measured from, as Kafka does),
     * read from the file once if the segment was loaded without a scan; NO_TIMESTAMP when the segment is empty or
     * its first batch has no timestamp.
     */
    long firstBatchTimestamp() {
        long first = firstBatchTimestamp;
        if (first == UNKNOWN) {
            Iterator<FileChannelRecordBatch> batches = records.batches().iterator();
            if (!batches.hasNext()) {
                return RecordBatch.NO_TIMESTAMP;
            }
            first = batches.next().maxTimestamp();
            firstBatchTimestamp = first;
        }
        return first;
    }

    FileRecords records() {
        return records;
    }

    /**
     * Appends batches whose offsets are already assigned. Called only by the partition's appender. All or nothing:
     * when the write fails (an IOException, say a full disk) the file is cut back to where it ended (see
     * {@link #writeWhole}) and nothing else changed, so the segment still ends at its last whole batch.
     *
     * @param firstOffset offset of the first record in {@code batches}
     * @param lastOffset  offset of the last record in {@code batches}
     * @param batchesMaxTimestamp the largest batch max timestamp in {@code batches}
     */
    void append(long firstOffset, long lastOffset, long batchesMaxTimestamp, MemoryRecords batches) throws IOException {
        int position = records.sizeInBytes();
        int written = writeWhole(batches, position);
        // The index entries for the position the batches start at go in only now that they are there.
        if (bytesSinceLastIndexEntry >= indexIntervalBytes) {
            addIndexEntries(firstOffset, position);
        }
        bytesSinceLastIndexEntry += written;
        int batchPosition = position;
        for (MutableRecordBatch batch : batches.batches()) {
            recent.add(batch, batchPosition);
            batchPosition += batch.sizeInBytes();
        }
        if (position == 0) {
            firstBatchTimestamp = batchesMaxTimestamp;
        }
        if (batchesMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchesMaxTimestamp;
            offsetOfMaxTimestamp = lastOffset;
        }
    }

    /**
     * Appends batches whose offsets are assigned already (a follower's copy of its leader's batches): written whole or
     * not at all, as {@link #append}, then indexed batch by batch, as {@link #appendRetained}, since one follower append
     * carries up to a fetch's worth of batches and the index must still get an entry every index.interval.bytes.
     */
    void appendBatches(MemoryRecords batches) throws IOException {
        int position = records.sizeInBytes();
        writeWhole(batches, position);
        for (MutableRecordBatch batch : batches.batches()) {
            indexBatch(batch, position);
            recent.add(batch, position);
            position += batch.sizeInBytes();
            bytesSinceLastIndexEntry += batch.sizeInBytes();
        }
    }

    /**
     * Writes {@code batches} at the end of the log file, {@code position}, whole or not at all. A write that fails
     * part-way has moved the file's channel (and its size on disk) past bytes the segment never counted; left there,
     * the next write would land after them while offsets and index entries say {@code position}, and recovery would
     * cut the log at them. So the file is cut back to {@code position} before the error goes on; if even that fails,
     * the caller takes the log directory offline and recovery after the restart cuts the torn bytes.
     */
    private int writeWhole(MemoryRecords batches, int position) throws IOException {
        try {
            beforeWrite.beforeWrite(records.file().toPath(), records.channel(), batches.buffer().duplicate());
            return records.append(batches);
        } catch (IOException e) {
            try {
                // FileRecords counts a write only once it completed, so its size is still position.
                records.truncateTo(position);
            } catch (IOException | RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    /**
     * Appends batches the cleaner retained (offsets kept from the source segments, with gaps). Unlike
     * {@link #append} it looks at every batch, so the offset index gets an entry every index.interval.bytes
     * even though one call carries a whole read buffer of batches.
     */
    void appendRetained(MemoryRecords batches) throws IOException {
        int position = records.sizeInBytes();
        for (MutableRecordBatch batch : batches.batches()) {
            indexBatch(batch, position);
            position += batch.sizeInBytes();
            bytesSinceLastIndexEntry += batch.sizeInBytes();
        }
        records.append(batches);
    }

    /**
     * Indexes one batch written at {@code position}: an entry in both indexes every index.interval.bytes. The caller
     * adds its size to {@code bytesSinceLastIndexEntry}.
     */
    private void indexBatch(RecordBatch batch, int position) throws IOException {
        if (bytesSinceLastIndexEntry >= indexIntervalBytes) {
            addIndexEntries(batch.baseOffset(), position);
        }
        if (position == 0) {
            firstBatchTimestamp = batch.maxTimestamp();
        }
        if (batch.maxTimestamp() > maxTimestamp) {
            maxTimestamp = batch.maxTimestamp();
            offsetOfMaxTimestamp = batch.lastOffset();
        }
    }

    /**
     * Adds the entries for the batches that start at {@code position} with {@code firstOffset}: the offset
     * index maps one to the other, and the time index records the largest timestamp of everything before them (if
     * it grew), with the offset of the batch that carried it, as Kafka's {@code LogSegment.append} does.
     */
    private void addIndexEntries(long firstOffset, int position) {
        offsetIndex.append(firstOffset, position);
        if (maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        bytesSinceLastIndexEntry = 0;
    }

    /**
     * Sets the largest timestamp from the indexes of a loaded or truncated segment: the time index's last entry
     * covers every record before the offset index's last entry, so only the batches from there on (about
     * index.interval.bytes) are read.
     */
    private void restoreMaxTimestamp() {
        long max = timeIndex.lastTimestamp();
        long offsetOfMax = timeIndex.lastOffset();
        for (FileChannelRecordBatch batch : records.batchesFrom(offsetIndex.lookup(Long.MAX_VALUE))) {
            if (batch.maxTimestamp() > max) {
                max = batch.maxTimestamp();
                offsetOfMax = batch.lastOffset();
            }
        }
        maxTimestamp = max;
        offsetOfMaxTimestamp = offsetOfMax;
    }

    /**
     * The position of the first batch that contains {@code offset} or a later one: one of the batches appended last
     * when it holds the offset, else found by searching from the index's nearest entry. Null when no batch in the
     * segment reaches the offset.
     */
    FileRecords.LogOffsetPosition translateOffset(long offset) {
        FileRecords.LogOffsetPosition known = recent.find(offset, records.sizeInBytes());
        if (known != null) {
            return known;
        }
        int start = offsetIndex.lookup(offset);
        return records.searchForOffsetFromPosition(offset, start);
    }

    /**
     * Reads from the batch holding {@code startOffset}: at most {@code maxBytes} (but one whole batch if
     * {@code minOneBatch}, and nothing if that first batch does not fit otherwise), never past
     * {@code maxPosition}. The result is a zero-copy slice of the segment file.
     */
    FileRecords read(long startOffset, int maxBytes, int maxPosition, boolean minOneBatch) {
        FileRecords.LogOffsetPosition start = translateOffset(startOffset);
        if (start == null || start.position >= maxPosition) {
            return null;
        }
        int available = maxPosition - start.position;
        int size = Math.min(available, maxBytes);
        if (size < start.size) {
            // KIP-74: only the first partition of a fetch may go over its limit, by one whole batch. Anywhere else
            // a cut first batch is useless (Kafka's consumer fails with "no complete records were found"), so
            // the answer is empty, as Kafka's broker makes it.
            size = minOneBatch ? Math.min(available, start.size) : 0;
        }
        return records.slice(start.position, size);
    }

    /** The first offset in this segment with a timestamp at or above {@code timestamp}, with that timestamp. */
    FileRecords.TimestampAndOffset findOffsetByTimestamp(long timestamp, long startingOffset) {
        long fromOffset = Math.max(timeIndex.lookup(timestamp), startingOffset);
        int position = offsetIndex.lookup(fromOffset);
        return records.searchForTimestamp(timestamp, position, startingOffset);
    }

    /**
     * Validates every batch (CRC, framing, magic v2, offsets increasing) and rebuilds the indexes from scratch;
     * truncates the file right before the first batch that fails (a torn write, or bytes that cannot be trusted),
     * so the indexes, the offset returned and the batches visited describe exactly the bytes kept.
     *
     * @return the offset after the last valid batch, or -1 when the segment has none
     */
    long recover(long expectedStartOffset) throws IOException {
        return recover(expectedStartOffset, batch -> { });
    }

    /** As {@link #recover(long)}, handing each valid batch to {@code batchVisitor} (valid during the call only). */
    long recover(long expectedStartOffset, Consumer<RecordBatch> batchVisitor) throws IOException {
        recent.clear();
        offsetIndex.reset();
        timeIndex.truncateTo(baseOffset);
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        firstBatchTimestamp = UNKNOWN;
        bytesSinceLastIndexEntry = 0;
        int validBytes = 0;
        long nextOffset = -1;
        int fileSize = records.sizeInBytes();
        // Sequential reads of a large chunk, batches validated in memory: one read per chunk instead of two per
        // batch, which is what makes recovering a few GB after a crash take seconds rather than minutes.
        ByteBuffer chunk = ByteBuffer.allocate(Math.min(RECOVERY_CHUNK_BYTES, Math.max(fileSize, 1)));
        while (validBytes < fileSize) {
            chunk.clear();
            chunk.limit(Math.min(chunk.capacity(), fileSize - validBytes));
            records.readInto(chunk, validBytes);
            int consumed = 0;
            boolean invalid = false;
            try {
                for (MutableRecordBatch batch : MemoryRecords.readableRecords(chunk).batches()) {
                    batch.ensureValid();
                    if (batch.magic() != RecordBatch.MAGIC_VALUE_V2
                            || batch.baseOffset() < Math.max(baseOffset, nextOffset)
                            || batch.lastOffset() < batch.baseOffset()) {
                        invalid = true;
                        break;
                    }
                    indexBatch(batch, validBytes + consumed);
                    batchVisitor.accept(batch);
                    int size = batch.sizeInBytes();
                    consumed += size;
                    bytesSinceLastIndexEntry += size;
                    nextOffset = batch.nextOffset();
                }
            } catch (CorruptRecordException e) {
                invalid = true;
            }
            // The batches before the first invalid one were counted (index entries, the visitor, nextOffset), so
            // the file is cut exactly after them, never at the start of their chunk.
            if (invalid) {
                validBytes += consumed;
                break;
            }
            if (consumed == 0) {
                // The next batch does not fit in the chunk: grow to it if the file holds it whole, else the
                // tail is torn.
                int needed = chunk.limit() >= Records.LOG_OVERHEAD ? chunk.getInt(Records.SIZE_OFFSET) + Records.LOG_OVERHEAD : -1;
                if (needed > chunk.capacity() && needed <= fileSize - validBytes) {
                    chunk = ByteBuffer.allocate(needed);
                    continue;
                }
                break;
            }
            validBytes += consumed;
        }
        if (validBytes < fileSize) {
            records.truncateTo(validBytes);
        }
        return nextOffset;
    }

    /** Loads the persisted indexes; false means they are unusable and {@link #recover} must rebuild them. */
    boolean loadIndexes() throws IOException {
        int size = records.sizeInBytes();
        if (!offsetIndex.load(Math.max(size, 1)) || !timeIndex.load()) {
            return false;
        }
        restoreMaxTimestamp();
        return true;
    }

    /**
     * Offset after the last batch, found from the last index entry; -1 if the segment is empty. Also reads the
     * first batch's timestamp, which segment.ms counts from (not the batch the index scan starts at).
     */
    long readNextOffset() {
        firstBatchTimestamp();
        int position = offsetIndex.lookup(Long.MAX_VALUE);
        long next = -1;
        for (FileChannelRecordBatch batch : records.batchesFrom(position)) {
            next = batch.nextOffset();
        }
        return next;
    }

    /**
     * The base offset of the first batch that holds {@code offset} or a later one: where {@link #truncateTo} cuts,
     * below {@code offset} when that batch straddles it. -1 when no batch reaches {@code offset}.
     */
    long baseOffsetOfBatchAt(long offset) {
        FileRecords.LogOffsetPosition position = translateOffset(offset);
        if (position == null) {
            return -1;
        }
        Iterator<FileChannelRecordBatch> batches = records.batchesFrom(position.position).iterator();
        return batches.hasNext() ? batches.next().baseOffset() : -1;
    }

    /** Removes every batch at or after {@code offset}; returns the bytes removed. */
    int truncateTo(long offset) throws IOException {
        FileRecords.LogOffsetPosition position = translateOffset(offset);
        if (position == null) {
            return 0;
        }
        recent.clear();
        int removed = records.truncateTo(position.position);
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        bytesSinceLastIndexEntry = 0;
        // A stale max would keep the segment from retention and from later time index entries.
        restoreMaxTimestamp();
        if (records.sizeInBytes() == 0) {
            maxTimestamp = RecordBatch.NO_TIMESTAMP;
            firstBatchTimestamp = UNKNOWN;
        }
        return removed;
    }

    void flush() throws IOException {
        records.flush();
        offsetIndex.flush();
        timeIndex.flush();
    }

    /**
     * Writes the index entries added since the last write to their files, unforced, so an active segment's entries do
     * not pile up on the heap until it rolls (see {@link PartitionLog#writeOutIndexes()}).
     */
    void writeOutIndexes() throws IOException {
        offsetIndex.writeOut();
        timeIndex.writeOut();
    }

    void close() throws IOException {
        records.close();
    }

    /** Closes the file handles without writing anything (the log directory failed; see {@link LogDirFailures}). */
    void closeHandlers() throws IOException {
        records.closeHandlers();
    }

    /** Closes the file handles and deletes the files. */
    void delete() throws IOException {
        records.closeHandlers();
        Files.deleteIfExists(records.file().toPath());
        Files.deleteIfExists(offsetIndex.file());
        Files.deleteIfExists(timeIndex.file());
    }

    /**
     * Renames the files to {@code .deleted} so a crash before the delayed delete does not resurrect them. Open
     * handles stay valid, so readers holding a slice of this segment finish their read.
     */
    void markDeleted() throws IOException {
        changeFileSuffixes("", ".deleted");
    }

    /**
     * Renames the three files from {@code <name><oldSuffix>} to {@code <name><newSuffix>} (the cleaner's
     * {@code .cleaned} → {@code .swap} → final names). The log file is renamed last: the recovery on open keys on
     * it. An index file that was never written is skipped.
     */
    void changeFileSuffixes(String oldSuffix, String newSuffix) throws IOException {
        offsetIndex.renameTo(withSuffix(offsetIndex.file(), oldSuffix, newSuffix));
        timeIndex.renameTo(withSuffix(timeIndex.file(), oldSuffix, newSuffix));
        records.renameTo(withSuffix(records.file().toPath(), oldSuffix, newSuffix).toFile());
    }

    private static Path withSuffix(Path file, String oldSuffix, String newSuffix) {
        String name = file.getFileName().toString();
        if (!name.endsWith(oldSuffix)) {
            throw new IllegalStateException("Expected " + file + " to end with '" + oldSuffix + "'");
        }
        return file.resolveSibling(name.substring(0, name.length() - oldSuffix.length()) + newSuffix);
    }

    /** Closes the handles and deletes the files under their current names (after {@link #markDeleted}). */
    void deleteRenamed() throws IOException {
        delete();
    }

    @Override
    public String toString() {
        return "LogSegment(baseOffset=" + baseOffset + ", size=" + sizeInBytes() + ")";
    }
}
