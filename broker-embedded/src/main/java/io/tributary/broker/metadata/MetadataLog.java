package io.tributary.broker.metadata;

import java.util.List;
import java.util.function.Consumer;

/**
 * The ordered, durable log of metadata records. On a single node it is a local file ({@link LocalMetadataLog});
 * in a cluster the controllers replicate it on a Raft quorum. Callers see the same contract either way.
 */
public interface MetadataLog extends AutoCloseable {

    /** Hands every committed record to {@code consumer}, in order; returns how many batches were replayed. */
    long replay(Consumer<List<MetadataRecord>> consumer);

    /** Appends the records as one atomic batch and returns once they are durable. */
    void append(List<MetadataRecord> records);

    /**
     * Replaces everything replayed so far with {@code snapshot}, the records that rebuild the current image, so
     * that later starts replay one batch instead of the whole history.
     */
    void snapshot(List<MetadataRecord> snapshot);

    @Override
    void close();
}
