package io.tributary.broker.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standalone broker ({@code BrokerMain}) in a JVM of its own, on the test classpath, so a test can kill it
 * the way an operating system would: {@link #kill()} is SIGKILL, {@link #terminate()} SIGTERM. It listens on a
 * free port of 127.0.0.1, read back from its startup line; its output goes to a file next to the log directory.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on ([^\\s:]+):(\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path output;
    private final String bootstrapServers;

    private BrokerProcess(Process process, Path output, String bootstrapServers) {
        this.process = process;
        this.output = output;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts a broker on {@code logDir} and waits until it listens. */
    public static BrokerProcess start(Path logDir, Map<String, String> overrides) {
        return start(logDir, overrides, List.of());
    }

    /**
     * As {@link #start(Path, Map)}, with {@code commandPrefix} run in front of {@code java}: {@code ip netns exec
     * <namespace>} starts the broker on another (virtual) host. The prefix must exec {@code java} in its own process,
     * as {@code ip netns exec} does, so that {@link #kill()} and {@link #terminate()} signal the broker itself.
     */
    public static BrokerProcess start(Path logDir, Map<String, String> overrides, List<String> commandPrefix) {
        var args = new ArrayList<String>();
        args.add("--override");
        args.add("log.dirs=" + logDir);
        args.add("--override");
        args.add("listeners=PLAINTEXT://127.0.0.1:0");
        overrides.forEach((name, value) -> {
            args.add("--override");
            args.add(name + "=" + value);
        });
        Path output = logDir.resolveSibling(logDir.getFileName() + "-broker-" + System.nanoTime() + ".out");
        Process process = launch(commandPrefix, args, output);
        String[] address = new String[1];
        try {
            await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("The broker exited with " + process.exitValue() + ":\n"
                            + read(output));
                }
                Matcher matcher = LISTENING.matcher(read(output));
                if (matcher.find()) {
                    address[0] = matcher.group(1) + ":" + matcher.group(2);
                }
                return address[0] != null;
            });
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
        return new BrokerProcess(process, output, address[0]);
    }

    /** Runs {@code BrokerMain} with {@code args} to its exit (bounded), for startup failures. */
    public static Exit runToExit(Path outputDir, Duration timeout, String... args) throws InterruptedException {
        Path output = outputDir.resolve("broker-main-" + System.nanoTime() + ".out");
        Process process = launch(List.of(), List.of(args), output);
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("BrokerMain did not exit within " + timeout + ":\n" + read(output));
        }
        return new Exit(process.exitValue(), read(output));
    }

    /** How a {@code BrokerMain} run ended: its exit status and everything it printed. */
    public record Exit(int status, String output) {
    }

    private static Process launch(List<String> commandPrefix, List<String> args, Path output) {
        var command = new ArrayList<>(commandPrefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.tributary.broker.server.BrokerMain");
        command.addAll(args);
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + command, e);
        }
    }

    private static String read(Path output) {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String output() {
        return read(output);
    }

    /** SIGKILL, as {@code kill -9}: no shutdown hook runs. Returns the exit status (137). */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        return waitForExit();
    }

    /** SIGTERM, as {@code kill}: the shutdown hook stops the broker cleanly. Returns the exit status. */
    public int terminate() throws InterruptedException {
        process.destroy();
        return waitForExit();
    }

    private int waitForExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("The broker did not exit within 30 s:\n" + output());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
