package io.tributary.broker.metadata;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The ordered, durable log of metadata records, and the way to the node that may write it (the active controller).
 * On a single node it is a local file ({@link LocalMetadataLog}) and the node is always the active controller; in a
 * cluster the controller quorum replicates it on Apache Ratis ({@link RaftMetadataLog}) and the Raft leader is the
 * active controller. Callers see the same contract either way, and the records, the image and the code applying them
 * are the same.
 */
public interface MetadataLog extends AutoCloseable {

    /**
     * Brings the log up: hands {@code applier} the committed history this node has (a snapshot, then batches) before
     * returning, and from then on every newly committed batch, in order, one call at a time.
     */
    void start(Applier applier);

    /**
     * Whether this node is the active controller now: it may {@link #append}, and its applied image holds everything
     * committed before it took over.
     */
    boolean isActive();

    /** The node id of the active controller, or -1 while none is known (an election is under way). */
    int activeControllerId();

    /**
     * Appends the records as one atomic batch as the active controller and returns once they are committed and
     * applied here. Throws {@code NotControllerException} when this node is not (or no longer) the active controller.
     */
    void append(List<MetadataRecord> records);

    /**
     * Sends a serialized controller request to the active controller, wherever it is, and completes with its
     * serialized answer ({@link Applier#handleForwarded} there). Fails with {@code NotControllerException} when no
     * controller answered in time.
     */
    CompletableFuture<ByteBuffer> forward(ByteBuffer request);

    /** The quorum as this node sees it, for DescribeQuorum. */
    QuorumState quorumState();

    @Override
    void close();

    /** What the log drives: the node's image, and the active controller's request handling. */
    interface Applier {

        /** Replaces everything applied so far with {@code snapshot}, the records that rebuild the image. */
        void replace(List<MetadataRecord> snapshot);

        /** Applies one committed batch. */
        void apply(List<MetadataRecord> batch);

        /** The records that rebuild the image applied so far (for a snapshot). */
        List<MetadataRecord> snapshot();

        /** Handles a request forwarded to this node as the active controller. */
        CompletableFuture<ByteBuffer> handleForwarded(ByteBuffer request);
    }
}
