package io.tributary.broker.log;

/**
 * An offset together with where it sits on disk: the base offset of its segment and its byte position there.
 * Lets the high watermark bound a fetch without searching the segment. {@code position} is -1 when unknown.
 */
public record LogOffsetMetadata(long offset, long segmentBaseOffset, int position) {
    public static LogOffsetMetadata unknown(long offset) {
        return new LogOffsetMetadata(offset, -1, -1);
    }

    public boolean positionKnown() {
        return position >= 0;
    }
}
