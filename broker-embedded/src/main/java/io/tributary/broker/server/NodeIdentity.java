package io.tributary.broker.server;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigException;

/**
 * The {@code meta.properties} of each log directory, as in Kafka: which cluster and node the data belongs to.
 * The first start writes it (a fresh cluster id unless {@code cluster.id} is set); later starts check that every
 * directory agrees with the configuration, so a data directory is never silently reused by another node.
 */
final class NodeIdentity {
    static final String FILE = "meta.properties";

    private NodeIdentity() {
    }

    static String loadOrCreate(List<Path> logDirs, int nodeId, String configuredClusterId) {
        return loadOrCreate(logDirs, nodeId, configuredClusterId, null);
    }

    /**
     * @param newClusterId the cluster id a first start writes when none is configured or stored (null: a random
     *                     one); a cluster's nodes derive the same one from their voters, so they agree without a
     *                     format step, while a directory formatted by {@code kafka-storage format} keeps its own
     */
    static String loadOrCreate(List<Path> logDirs, int nodeId, String configuredClusterId, String newClusterId) {
        String clusterId = configuredClusterId;
        for (Path dir : logDirs) {
            Properties existing = read(dir.resolve(FILE));
            if (existing == null) {
                continue;
            }
            String storedCluster = existing.getProperty("cluster.id");
            String storedNode = existing.getProperty("node.id");
            if (storedNode != null && !storedNode.equals(String.valueOf(nodeId))) {
                throw new ConfigException("node.id", nodeId, "the log directory " + dir + " belongs to node "
                        + storedNode + " (see its " + FILE + ")");
            }
            if (clusterId != null && storedCluster != null && !clusterId.equals(storedCluster)) {
                throw new ConfigException("cluster.id", clusterId, "the log directory " + dir
                        + " belongs to cluster " + storedCluster + " (see its " + FILE + ")");
            }
            clusterId = storedCluster;
        }
        if (clusterId == null) {
            clusterId = newClusterId != null ? newClusterId : Uuid.randomUuid().toString();
        }
        for (Path dir : logDirs) {
            Path file = dir.resolve(FILE);
            if (read(file) == null) {
                write(file, clusterId, nodeId);
            }
        }
        return clusterId;
    }

    private static Properties read(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            var properties = new Properties();
            properties.load(reader);
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static void write(Path file, String clusterId, int nodeId) {
        try {
            Files.createDirectories(file.getParent());
            var properties = new Properties();
            properties.setProperty("version", "1");
            properties.setProperty("cluster.id", clusterId);
            properties.setProperty("node.id", String.valueOf(nodeId));
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(writer, "Written by Tributary on first start");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file
                    + ": check that log.dirs points to a writable directory", e);
        }
    }
}
