package io.tributary.broker.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * A Kafka Streams application, unmodified, against a test broker with {@code processing.guarantee=exactly_once_v2}:
 * started and waited for until it is {@code RUNNING}, closed with a bounded timeout. Transactions commit every
 * 100 ms and the record caches are off, so every update of a store reaches its changelog and the output topics
 * (a test can then check the whole history of a key, not only its last value).
 *
 * <pre>
 * try (StreamsApp app = StreamsApp.builder(bootstrap, "word-count", stateDir).start(topology)) {
 *     ... produce input, read output with read_committed ...
 * }
 * </pre>
 */
public final class StreamsApp implements AutoCloseable {
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);

    private final KafkaStreams streams;
    private final List<Throwable> uncaught;

    private StreamsApp(KafkaStreams streams, List<Throwable> uncaught) {
        this.streams = streams;
        this.uncaught = uncaught;
    }

    public static Builder builder(String bootstrapServers, String applicationId, Path stateDir) {
        return new Builder(bootstrapServers, applicationId, stateDir);
    }

    public KafkaStreams streams() {
        return streams;
    }

    /** Errors a stream thread died of; empty while the application is healthy. */
    public List<Throwable> uncaughtExceptions() {
        return List.copyOf(uncaught);
    }

    /**
     * Closes with a bounded timeout and fails if the application did not stop within it. Leaves the group (as an
     * application being shut down for good would), so a restart with the same id rebalances at once instead of
     * waiting for the old member's session to time out.
     */
    @Override
    public void close() {
        boolean closed = streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
                .withGroupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP));
        if (!closed) {
            throw new AssertionError("Kafka Streams did not close within " + CLOSE_TIMEOUT);
        }
    }

    /** Settings on top of the exactly_once_v2 defaults above. */
    public static final class Builder {
        private final Map<String, Object> config = new HashMap<>();
        private StateRestoreListener restoreListener;

        private Builder(String bootstrapServers, String applicationId, Path stateDir) {
            config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
            config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
            config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
            // Internal topics with one replica: the test broker is a single node.
            config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
            // The classic group protocol, fast: heartbeats every 300 ms; a session timeout the test broker accepts.
            config.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 300);
            config.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
        }

        public Builder config(String name, Object value) {
            config.put(name, value);
            return this;
        }

        public Builder restoreListener(StateRestoreListener listener) {
            this.restoreListener = listener;
            return this;
        }

        /** Starts the application and waits until it is {@code RUNNING} (its first rebalance is over). */
        public StreamsApp start(Topology topology) {
            var properties = new Properties();
            properties.putAll(config);
            var streams = new KafkaStreams(topology, properties);
            var uncaught = new CopyOnWriteArrayList<Throwable>();
            streams.setUncaughtExceptionHandler(exception -> {
                uncaught.add(exception);
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            if (restoreListener != null) {
                streams.setGlobalStateRestoreListener(restoreListener);
            }
            var app = new StreamsApp(streams, uncaught);
            streams.start();
            try {
                await().atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(50))
                        .failFast(() -> !uncaught.isEmpty() || streams.state() == KafkaStreams.State.ERROR)
                        .until(() -> streams.state() == KafkaStreams.State.RUNNING);
            } catch (RuntimeException | Error e) {
                var failures = new ArrayList<>(uncaught);
                app.close();
                var error = new AssertionError("Kafka Streams did not reach RUNNING: " + streams.state()
                        + ", uncaught " + failures, e);
                failures.forEach(error::addSuppressed);
                throw error;
            }
            return app;
        }
    }
}
