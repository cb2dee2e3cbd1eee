package io.tributary.broker.log;

/**
 * The broker-wide settings of the log cleaner, Kafka's {@code log.cleaner.*} properties. Per-topic settings
 * ({@code delete.retention.ms}, {@code min.cleanable.dirty.ratio}, the compaction lags) live in {@link LogConfig}.
 *
 * @param enable              {@code log.cleaner.enable}: run the background cleaner threads at all
 * @param threads             {@code log.cleaner.threads}
 * @param dedupeBufferBytes   {@code log.cleaner.dedupe.buffer.size}: memory of the key → offset maps, all threads
 * @param loadFactor          {@code log.cleaner.io.buffer.load.factor}: how full a map may get before a pass stops
 * @param ioBufferBytes       {@code log.cleaner.io.buffer.size}: read plus write buffers, all threads
 * @param maxIoBytesPerSecond {@code log.cleaner.io.max.bytes.per.second}: reads plus writes, all threads
 * @param backoffMs           {@code log.cleaner.backoff.ms}: a thread's pause when no log is cleanable
 */
public record CleanerConfig(boolean enable, int threads, long dedupeBufferBytes, double loadFactor, int ioBufferBytes,
                            double maxIoBytesPerSecond, long backoffMs) {
    public static final boolean DEFAULT_ENABLE = true;
    public static final int DEFAULT_THREADS = 1;
    public static final long DEFAULT_DEDUPE_BUFFER_BYTES = 128L * 1024 * 1024;
    public static final double DEFAULT_LOAD_FACTOR = 0.9;
    public static final int DEFAULT_IO_BUFFER_BYTES = 512 * 1024;
    public static final double DEFAULT_MAX_IO_BYTES_PER_SECOND = Double.MAX_VALUE;
    public static final long DEFAULT_BACKOFF_MS = 15_000L;

    public static CleanerConfig defaults() {
        return new CleanerConfig(DEFAULT_ENABLE, DEFAULT_THREADS, DEFAULT_DEDUPE_BUFFER_BYTES, DEFAULT_LOAD_FACTOR,
                DEFAULT_IO_BUFFER_BYTES, DEFAULT_MAX_IO_BYTES_PER_SECOND, DEFAULT_BACKOFF_MS);
    }

    /** The map memory of one cleaner thread (Kafka splits the buffer evenly, at most 2 GiB each). */
    long dedupeBufferBytesPerThread() {
        return Math.min(dedupeBufferBytes / Math.max(1, threads), Integer.MAX_VALUE);
    }

    /** The size of each of one thread's two I/O buffers (read and write), before they grow for a large batch. */
    int ioBufferBytesPerThread() {
        return Math.max(1024, ioBufferBytes / Math.max(1, threads) / 2);
    }
}
