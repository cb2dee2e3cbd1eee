package io.tributary.broker.metadata;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of cluster metadata. Every change runs on the controller's single thread as a function from the
 * current {@link MetadataImage} to a {@link ControllerResult}: its records are appended to the {@link MetadataLog},
 * applied to a new image, handed to the publisher (which makes the node act on them, e.g. create partition logs),
 * and only then is the response completed. So a client that got "created" can use the topic at once.
 *
 * <p>At start the log is replayed into the image through the same apply path.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    /** Past this many replayed batches, the start writes a snapshot of the image in their place. */
    static final long SNAPSHOT_AFTER_BATCHES = 1000;

    private final MetadataLog metadataLog;
    private final Consumer<MetadataImage> publisher;
    private final ExecutorService thread;
    private volatile MetadataImage image = MetadataImage.EMPTY;

    public Controller(MetadataLog metadataLog, Consumer<MetadataImage> publisher) {
        this.metadataLog = metadataLog;
        this.publisher = publisher;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "tributary-controller");
            t.setDaemon(true);
            return t;
        });
    }

    /** Replays the metadata log into the image and publishes it. Call once, before serving. */
    public MetadataImage load() {
        var builder = new MetadataImage.Builder(MetadataImage.EMPTY);
        long batches = metadataLog.replay(records -> records.forEach(builder::replay));
        image = builder.build();
        log.info("Loaded metadata: {} batches, {} topics", batches, image.topicsByName().size());
        if (batches > SNAPSHOT_AFTER_BATCHES) {
            metadataLog.snapshot(image.toRecords());
            log.info("Replaced {} metadata batches with a snapshot of the image", batches);
        }
        publisher.accept(image);
        return image;
    }

    public MetadataImage image() {
        return image;
    }

    /** Runs {@code operation} on the controller thread, commits its records, publishes, then answers. */
    public <T> CompletableFuture<T> write(Function<MetadataImage, ControllerResult<T>> operation) {
        var future = new CompletableFuture<T>();
        try {
            thread.execute(() -> {
                try {
                    ControllerResult<T> result = operation.apply(image);
                    commit(result.records());
                    future.complete(result.response());
                } catch (Throwable t) {
                    log.error("Controller operation failed", t);
                    future.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            future.completeExceptionally(new org.apache.kafka.common.errors.NotControllerException(
                    "The controller is shutting down"));
        }
        return future;
    }

    private void commit(List<MetadataRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        metadataLog.append(records);
        image = image.apply(records);
        publisher.accept(image);
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
}
