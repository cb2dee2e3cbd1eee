package io.tributary.broker.interop;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands with a hard time bound. Output goes to temporary files rather than pipes, so a chatty tool
 * can never block on a full pipe; the process and everything it spawned are killed when the bound runs out and,
 * whatever happens, before {@link #run} returns or a {@link Running} command is closed.
 */
final class ExternalProcess {
    /** What a finished command left behind. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\n"));
        }

        List<String> stderrLines() {
            return stderr.isEmpty() ? List.of() : Arrays.asList(stderr.split("\n"));
        }

        /** Everything a failed assertion needs to explain itself. */
        String describe() {
            return String.join(" ", command) + "\nexit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n"
                    + stderr;
        }
    }

    /**
     * A command started in the background, for tools that must run side by side (two members of one consumer
     * group). Closing it kills whatever is still running, so a test that fails half-way leaves nothing behind.
     */
    static final class Running implements AutoCloseable {
        private final List<String> command;
        private final Process process;
        private final Path stdoutFile;
        private final Path stderrFile;

        private Running(List<String> command, Process process, Path stdoutFile, Path stderrFile) {
            this.command = command;
            this.process = process;
            this.stdoutFile = stdoutFile;
            this.stderrFile = stderrFile;
        }

        /** Waits for the command to exit; fails the test (after killing it) if it outlives {@code timeout}. */
        Result await(Duration timeout) throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                String output = "\n--- stdout\n" + Files.readString(stdoutFile) + "--- stderr\n"
                        + Files.readString(stderrFile);
                close();
                throw new AssertionError("Timed out after " + timeout + ": " + String.join(" ", command) + output);
            }
            return new Result(command, process.exitValue(), Files.readString(stdoutFile),
                    Files.readString(stderrFile));
        }

        @Override
        public void close() throws IOException, InterruptedException {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
        }
    }

    private ExternalProcess() {
    }

    static Running start(List<String> command, Map<String, String> environment, String stdin) throws IOException {
        Path stdoutFile = Files.createTempFile("interop-", ".out");
        Path stderrFile = Files.createTempFile("interop-", ".err");
        Process process = null;
        try {
            var builder = new ProcessBuilder(command)
                    .redirectOutput(stdoutFile.toFile())
                    .redirectError(stderrFile.toFile());
            builder.environment().putAll(environment);
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            process = builder.start();
            if (stdin != null) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            return new Running(command, process, stdoutFile, stderrFile);
        } catch (IOException | RuntimeException e) {
            if (process != null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
            throw e;
        }
    }

    static Result run(List<String> command, Map<String, String> environment, String stdin, Duration timeout)
            throws IOException, InterruptedException {
        try (Running running = start(command, environment, stdin)) {
            return running.await(timeout);
        }
    }

    /** Runs {@code command} and fails the test unless it exits 0. */
    static Result runSuccessfully(List<String> command, Map<String, String> environment, String stdin,
                                  Duration timeout) throws IOException, InterruptedException {
        Result result = run(command, environment, stdin, timeout);
        if (result.exitCode() != 0) {
            throw new AssertionError("Command failed: " + result.describe());
        }
        return result;
    }
}
