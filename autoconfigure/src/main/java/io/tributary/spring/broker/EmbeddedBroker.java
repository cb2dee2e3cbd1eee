package io.tributary.spring.broker;

import io.tributary.broker.server.Broker;
import io.tributary.broker.server.BrokerConfig;
import io.tributary.spring.TributaryProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker node an application runs inside its own JVM: started from {@code tributary.broker.*} before anything
 * that connects to it, closed after them. With {@code ephemeral}, its data directory is deleted on close.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final Broker broker;
    private final Path dataDir;
    private final boolean ephemeral;
    private final long startupMillis;

    private EmbeddedBroker(Broker broker, Path dataDir, boolean ephemeral, long startupMillis) {
        this.broker = broker;
        this.dataDir = dataDir;
        this.ephemeral = ephemeral;
        this.startupMillis = startupMillis;
    }

    /**
     * Starts a node as {@code properties} say. Fails with an {@link EmbeddedBrokerStartException} that names the
     * property to change when the data directory cannot be used or the port is taken.
     */
    public static EmbeddedBroker start(TributaryProperties.Broker properties, String applicationName) {
        long startNanos = System.nanoTime();
        Path dataDir = dataDir(properties, applicationName);
        Map<String, Object> config = brokerConfig(properties, dataDir);
        try {
            Broker broker = Broker.start(BrokerConfig.fromMap(config));
            return new EmbeddedBroker(broker, dataDir, properties.isEphemeral(),
                    (System.nanoTime() - startNanos) / 1_000_000);
        } catch (RuntimeException e) {
            if (properties.isEphemeral()) {
                deleteQuietly(dataDir);
            }
            throw explain(e, properties, dataDir);
        }
    }

    /** The broker's settings: Kafka's names, small-footprint defaults for one node, the user's values on top. */
    static Map<String, Object> brokerConfig(TributaryProperties.Broker properties, Path dataDir) {
        Map<String, Object> config = new LinkedHashMap<>();
        // One application's broker: no three-second wait for more members before the first rebalance, and internal
        // topics sized for one node rather than Kafka's 50 partitions (fewer files, faster first group join).
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("offsets.topic.num.partitions", "5");
        config.put("transaction.state.log.num.partitions", "5");
        config.put("num.network.threads", "1");
        config.put("num.io.threads", "2");
        config.put(BrokerConfig.LOG_DIRS, dataDir.toString());
        config.put(BrokerConfig.LISTENERS, "PLAINTEXT://" + properties.getHost() + ":" + properties.getPort());
        config.put(BrokerConfig.NUM_PARTITIONS, String.valueOf(properties.getPartitions()));
        config.put(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE, String.valueOf(properties.isAutoCreateTopics()));
        if (properties.getRetention() != null) {
            config.put("log.retention.ms", String.valueOf(properties.getRetention().toMillis()));
        }
        config.putAll(properties.getProperties());
        return config;
    }

    private static Path dataDir(TributaryProperties.Broker properties, String applicationName) {
        Path dir = properties.getDataDir();
        try {
            if (dir == null && properties.isEphemeral()) {
                dir = Files.createTempDirectory("tributary-");
            } else {
                dir = DataDirectory.resolve(properties, applicationName);
                if (!properties.isEphemeral() && DataDirectory.isTemporary(dir)) {
                    log.warn("The broker's data directory {} is under the temporary directory {}, which the OS may "
                            + "clean, deleting topics and committed offsets: set tributary.broker.data-dir to a "
                            + "durable directory (or tributary.broker.ephemeral=true for throw-away data)", dir,
                            System.getProperty("java.io.tmpdir"));
                }
            }
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new EmbeddedBrokerStartException("The broker's data directory " + dir + " cannot be created ("
                    + e + ").", "Set tributary.broker.data-dir to a directory the application can write to.", e);
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new EmbeddedBrokerStartException("The broker's data directory " + dir + " is not writable.",
                    "Set tributary.broker.data-dir to a directory the application can write to, or fix its "
                            + "permissions.", null);
        }
        return dir.toAbsolutePath();
    }

    private static RuntimeException explain(RuntimeException e, TributaryProperties.Broker properties, Path dataDir) {
        if (e instanceof EmbeddedBrokerStartException) {
            return e;
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BindException) {
                return new EmbeddedBrokerStartException("The embedded broker cannot listen on " + properties.getHost()
                        + ":" + properties.getPort() + ": " + cause.getMessage() + ".",
                        "Set tributary.broker.port to a free port, or to 0 to pick one (clients find it through "
                                + "the application's KafkaConnectionDetails), or stop the process using the port.", e);
            }
            if (cause instanceof OverlappingFileLockException
                    || String.valueOf(cause.getMessage()).contains("is in use by another broker")) {
                return new EmbeddedBrokerStartException("The broker's data directory " + dataDir
                        + " is in use by another broker (another application, or another instance of this one).",
                        "Give each application its own tributary.broker.data-dir (or spring.application.name), or set "
                                + "tributary.broker.ephemeral=true for throw-away data.", e);
            }
            if (cause instanceof IOException || cause instanceof UncheckedIOException) {
                return new EmbeddedBrokerStartException("The broker cannot use its data directory " + dataDir + ": "
                        + cause.getMessage() + ".", "Set tributary.broker.data-dir to a directory the application "
                        + "can write to.", e);
            }
        }
        return new EmbeddedBrokerStartException("The embedded broker did not start: " + e.getMessage(),
                "Check the tributary.broker.* properties (tributary.broker.properties.* take Kafka's broker "
                        + "config names).", e);
    }

    /** Where clients connect, {@code host:port}. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** The bound port (the one chosen when {@code tributary.broker.port=0}). */
    public int port() {
        return broker.port();
    }

    /** How long the node took to start, data directory preparation included. */
    public long startupMillis() {
        return startupMillis;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Whether the data directory is deleted on close. */
    public boolean ephemeral() {
        return ephemeral;
    }

    /** The running node, for its status and metrics. */
    public Broker broker() {
        return broker;
    }

    @Override
    public void close() {
        broker.close();
        if (ephemeral) {
            deleteQuietly(dataDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                    Files.deleteIfExists(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete the ephemeral broker data directory {}: {}", dir, e.toString());
        }
    }
}
