package io.tributary.broker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer-group member in a JVM of its own, on the test classpath, so a test can kill it the way an operating
 * system would ({@link #kill()} is SIGKILL): no LeaveGroup, no last commit, the broker only notices that its
 * heartbeats stopped. The child subscribes to one topic, commits synchronously after every poll, and prints
 * {@code owned [p, ...]} (partition numbers) after every rebalance callback; its output goes to a file.
 */
public final class ConsumerProcess implements AutoCloseable {
    private static final Pattern OWNED = Pattern.compile("^owned \\[([0-9, ]*)]$", Pattern.MULTILINE);

    private final Process process;
    private final Path output;

    private ConsumerProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /**
     * Starts a member of {@code groupId} on {@code topic} with {@link Clients#groupConsumer} settings and
     * {@code overrides}; returns at once (the child joins the group in its own time).
     */
    public static ConsumerProcess start(Path outputDir, String bootstrapServers, String groupId, String topic,
                                        Map<String, String> overrides) {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx128m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ConsumerProcess.class.getName());
        command.add(bootstrapServers);
        command.add(groupId);
        command.add(topic);
        overrides.forEach((name, value) -> command.add(name + "=" + value));
        Path output = outputDir.resolve("consumer-" + System.nanoTime() + ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            return new ConsumerProcess(process, output);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + command, e);
        }
    }

    /** The partitions of the topic the child owns after its latest rebalance callback; empty before the first. */
    public Set<Integer> owned() {
        if (!process.isAlive() && process.exitValue() != 137) {
            throw new IllegalStateException("The consumer exited with " + process.exitValue() + ":\n" + output());
        }
        Matcher matcher = OWNED.matcher(output());
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1);
        }
        var partitions = new TreeSet<Integer>();
        if (last != null && !last.isBlank()) {
            for (String partition : last.split(",")) {
                partitions.add(Integer.parseInt(partition.trim()));
            }
        }
        return partitions;
    }

    public String output() {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL, as {@code kill -9}. Returns the exit status (137). */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("The consumer did not die within 30 s");
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while killing the consumer", e);
            }
        }
    }

    /** The child: {@code bootstrapServers groupId topic [config=value ...]}; runs until killed. */
    public static void main(String[] args) {
        var overrides = new HashMap<String, Object>();
        for (int i = 3; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            overrides.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        var owned = new TreeSet<Integer>();
        try (KafkaConsumer<String, String> consumer = Clients.groupConsumer(args[0], args[1], overrides)) {
            consumer.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    consumer.commitSync();
                    partitions.forEach(p -> owned.remove(p.partition()));
                    System.out.println("owned " + owned);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    partitions.forEach(p -> owned.add(p.partition()));
                    System.out.println("owned " + owned);
                }
            });
            while (true) {
                if (!consumer.poll(Duration.ofMillis(100)).isEmpty()) {
                    consumer.commitSync();
                }
            }
        }
    }
}
