package io.tributary.broker.metadata;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.errors.NotControllerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node's view of the cluster metadata, and, on the active controller, its only writer.
 *
 * <p>The {@link MetadataLog} hands each committed batch to this node, which applies it to a new
 * {@link MetadataImage} and hands that to the publisher (which makes the node act on it, e.g. create partition
 * logs), one batch at a time. On the active controller, a change runs on the controller's single thread as a
 * function from the current image to a {@link ControllerResult}: its records are appended to the log, which returns
 * once they are committed and applied here, and only then is the response completed. So a client that got
 * "created" can use the topic at once, and the next change sees the previous one.
 *
 * <p>Requests that reach a node which is not the active controller are forwarded to it through the log's own
 * transport ({@link #forward}); the active controller hands them to the {@link #forwardedRequestHandler}.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private final MetadataLog metadataLog;
    private final Consumer<MetadataImage> publisher;
    private final ExecutorService thread;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /**
     * While the log hands over the history at start, images are published once at the end, not per batch. Guarded
     * by {@code publishLock}, which orders the image's changes with their publication.
     */
    private boolean loading;
    private final Object publishLock = new Object();
    private volatile Function<ByteBuffer, CompletableFuture<ByteBuffer>> forwardedRequestHandler =
            request -> CompletableFuture.failedFuture(new NotControllerException("The controller is starting"));

    public Controller(MetadataLog metadataLog, Consumer<MetadataImage> publisher) {
        this.metadataLog = metadataLog;
        this.publisher = publisher;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "tributary-controller");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the metadata log: the committed history this node has is applied and published. Call once. */
    public MetadataImage load() {
        synchronized (publishLock) {
            loading = true;
        }
        MetadataImage loaded;
        try {
            metadataLog.start(new Applier());
        } finally {
            synchronized (publishLock) {
                loading = false;
                loaded = image;
            }
        }
        synchronized (publishLock) {
            publisher.accept(image);
        }
        log.info("Loaded metadata: {} topics, {} brokers", loaded.topicsByName().size(), loaded.brokers().size());
        return loaded;
    }

    public MetadataImage image() {
        return image;
    }

    /** Whether this node is the active controller now. */
    public boolean isActive() {
        return metadataLog.isActive();
    }

    /** The active controller's node id, or -1 during an election. */
    public int activeControllerId() {
        return metadataLog.activeControllerId();
    }

    public QuorumState quorumState() {
        return metadataLog.quorumState();
    }

    /** Where requests forwarded to this node as the active controller go (set once the node's APIs exist). */
    public void forwardedRequestHandler(Function<ByteBuffer, CompletableFuture<ByteBuffer>> handler) {
        this.forwardedRequestHandler = handler;
    }

    /** Sends a serialized controller request to the active controller (see {@link MetadataLog#forward}). */
    public CompletableFuture<ByteBuffer> forward(ByteBuffer request) {
        return metadataLog.forward(request);
    }

    /**
     * Runs {@code operation} on the controller thread, commits its records, publishes, then answers. Fails with
     * NotControllerException on a node that is not the active controller.
     */
    public <T> CompletableFuture<T> write(Function<MetadataImage, ControllerResult<T>> operation) {
        var future = new CompletableFuture<T>();
        try {
            thread.execute(() -> {
                try {
                    if (!metadataLog.isActive()) {
                        throw new NotControllerException("This node is not the active controller (it is node "
                                + metadataLog.activeControllerId() + ")");
                    }
                    ControllerResult<T> result = operation.apply(image);
                    if (!result.records().isEmpty()) {
                        metadataLog.append(result.records());
                    }
                    future.complete(result.response());
                } catch (NotControllerException e) {
                    future.completeExceptionally(e);
                } catch (Throwable t) {
                    log.error("Controller operation failed", t);
                    future.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new NotControllerException("The controller is shutting down"));
        }
        return future;
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metadataLog.close();
    }

    /** What the log drives: one batch at a time, so the image has a single writer. */
    private final class Applier implements MetadataLog.Applier {
        @Override
        public void replace(List<MetadataRecord> snapshot) {
            synchronized (publishLock) {
                image = MetadataImage.EMPTY.apply(snapshot);
                publish();
            }
        }

        @Override
        public void apply(List<MetadataRecord> batch) {
            synchronized (publishLock) {
                image = image.apply(batch);
                publish();
            }
        }

        private void publish() {
            if (loading) {
                return;
            }
            try {
                publisher.accept(image);
            } catch (RuntimeException e) {
                // The batch is committed whatever this node makes of it; the next image is applied all the same.
                log.error("Acting on a metadata image failed", e);
            }
        }

        @Override
        public List<MetadataRecord> snapshot() {
            return image.toRecords();
        }

        @Override
        public CompletableFuture<ByteBuffer> handleForwarded(ByteBuffer request) {
            return forwardedRequestHandler.apply(request);
        }
    }
}
