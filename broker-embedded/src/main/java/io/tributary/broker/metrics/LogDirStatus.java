package io.tributary.broker.metrics;

/** A log directory: its path, free and total bytes of its file store, and whether the broker can use it. */
public record LogDirStatus(String path, long usableBytes, long totalBytes, boolean online) {
}
