package io.tributary.broker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small JVM on the test classpath running a test fixture's {@code main}, with its output in a file, so a test can
 * kill it the way an operating system would ({@link #kill()} is SIGKILL).
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path output;

    private ChildJvm(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code mainClass} with {@code args}; its output goes to {@code <outputDir>/<name>-<nanos>.out}. */
    static ChildJvm start(Path outputDir, String name, Class<?> mainClass, List<String> args) {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx128m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        Path output = outputDir.resolve(name + "-" + System.nanoTime() + ".out");
        try {
            return new ChildJvm(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + command, e);
        }
    }

    /** Everything the child printed so far. */
    String output() {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails with the child's output when it exited other than by SIGKILL. */
    void checkAlive(String what) {
        if (!process.isAlive() && process.exitValue() != 137) {
            throw new IllegalStateException("The " + what + " exited with " + process.exitValue() + ":\n" + output());
        }
    }

    /** SIGKILL, as {@code kill -9}. Returns the exit status (137). */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("The child JVM did not die within 30 s");
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while killing the child JVM", e);
            }
        }
    }
}
