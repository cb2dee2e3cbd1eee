package io.tributary.broker.interop;

import io.tributary.broker.server.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;

/**
 * Apache Kafka 4.3.1 itself, the oracle of the side-by-side tests: a single KRaft node (broker and controller in one
 * process, as Kafka's own quickstart runs it) on 127.0.0.1, started from the jars {@code install-interop-tools.sh
 * kafka-cli} copies from Maven Central (the {@code kafka_2.13} server is among them). Its group and transaction
 * settings match {@link #TRIBUTARY_MATCHING}, which the tests give our broker too, so both answer the same scenario
 * the same way when they agree.
 *
 * <p>{@link #shared()} starts one node per test JVM on first use and stops it when the JVM exits (a shutdown hook
 * kills the process and deletes its data); {@link #start} gives a private one for {@code try}-with-resources. Both
 * wait until the node answers on its client port, bounded by {@link #START_TIMEOUT}.
 */
final class ApacheKafka implements AutoCloseable {
    /** A cold JVM formats the storage and starts the node in 5 to 15 s on a 2-core machine. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    /**
     * Broker settings both sides of a comparison run with: a group's first rebalance does not wait for more members,
     * the internal topics are small, and a single node can host them.
     */
    static final Map<String, String> TRIBUTARY_MATCHING = Map.of(
            "group.initial.rebalance.delay.ms", "0",
            "offsets.topic.num.partitions", "3",
            "offsets.topic.replication.factor", "1",
            "transaction.state.log.num.partitions", "3",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "auto.create.topics.enable", "true",
            "num.partitions", "1");

    private static ApacheKafka shared;

    private final Process process;
    private final Path runDir;
    private final String bootstrapServers;

    private ApacheKafka(Process process, Path runDir, String bootstrapServers) {
        this.process = process;
        this.runDir = runDir;
        this.bootstrapServers = bootstrapServers;
    }

    /** The node every side-by-side test class of this JVM shares; started on first use. */
    static synchronized ApacheKafka shared() throws IOException, InterruptedException {
        if (shared == null || !shared.process.isAlive()) {
            ApacheKafka started = start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "apache-kafka-stop"));
            shared = started;
        }
        return shared;
    }

    /** A node of its own, on free ports, with its data in a fresh temporary folder. */
    static ApacheKafka start() throws IOException, InterruptedException {
        InteropTools.install("kafka-cli");
        Path runDir = Files.createTempDirectory("apache-kafka-");
        try {
            int port = FreePorts.next();
            int controllerPort = FreePorts.next();
            Path properties = writeServerProperties(runDir, port, controllerPort);
            format(runDir, properties);
            Process process = java(runDir, "kafka.Kafka", List.of(properties.toString()))
                    .redirectOutput(runDir.resolve("server.out").toFile())
                    .start();
            var kafka = new ApacheKafka(process, runDir, "127.0.0.1:" + port);
            kafka.awaitListening(port);
            return kafka;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            deleteRecursively(runDir);
            throw e;
        }
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    private static Path writeServerProperties(Path runDir, int port, int controllerPort) throws IOException {
        var properties = new LinkedHashMap<String, String>();
        properties.put("process.roles", "broker,controller");
        properties.put("node.id", "1");
        properties.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        properties.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        properties.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        properties.put("controller.listener.names", "CONTROLLER");
        properties.put("inter.broker.listener.name", "PLAINTEXT");
        properties.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        properties.put("log.dirs", runDir.resolve("data").toString());
        properties.put("share.coordinator.state.topic.replication.factor", "1");
        properties.put("share.coordinator.state.topic.min.isr", "1");
        properties.putAll(TRIBUTARY_MATCHING);
        var text = new StringBuilder("# Written by ApacheKafka (Tributary's side-by-side tests)\n");
        properties.forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
        Path file = runDir.resolve("server.properties");
        Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private static void format(Path runDir, Path properties) throws IOException, InterruptedException {
        Process format = java(runDir, "kafka.tools.StorageTool",
                // Uuid.randomUuid never starts with "-", which the tool would take for an option.
                List.of("format", "--ignore-formatted", "--cluster-id", Uuid.randomUuid().toString(), "--config",
                        properties.toString()))
                .redirectOutput(runDir.resolve("format.out").toFile())
                .start();
        if (!format.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            format.destroyForcibly().waitFor();
            throw new AssertionError("Kafka's storage format did not finish within " + START_TIMEOUT);
        }
        if (format.exitValue() != 0) {
            throw new AssertionError("Kafka's storage format failed:\n" + read(runDir.resolve("format.out")));
        }
    }

    /** {@code bin/kafka-run-class.sh} in short: Kafka's jars, WARN logging to the output file, a modest heap. */
    private static ProcessBuilder java(Path runDir, String mainClass, List<String> args) {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:+UseG1GC");
        command.add("-Dlog4j2.configurationFile=" + InteropTools.kafkaToolsLog4jConfig());
        command.add("-Dkafka.logs.dir=" + runDir.resolve("logs"));
        command.add("-cp");
        command.add(InteropTools.kafkaLibs().resolve("*").toString());
        command.add(mainClass);
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    }

    /** Waits until the client port accepts connections (Kafka opens it once the node has caught up). */
    private void awaitListening(int port) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Apache Kafka exited with " + process.exitValue() + ":\n"
                        + read(runDir.resolve("server.out")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        close();
        throw new AssertionError("Apache Kafka did not listen on " + port + " within " + START_TIMEOUT);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the node (SIGTERM, then SIGKILL after 20 s) and deletes its data. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteRecursively(runDir);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // A temporary folder left behind is not worth failing a test for.
        }
    }
}
