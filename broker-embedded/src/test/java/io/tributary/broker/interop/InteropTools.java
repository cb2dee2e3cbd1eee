package io.tributary.broker.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where the third-party clients live and how they get there. Each interop test class calls {@link #install} for
 * its tool once; {@code scripts/install-interop-tools.sh} is quick when the tool is already in place and otherwise
 * installs it (Debian's kcat and python3-confluent-kafka, kafkajs from npm, Kafka's CLI jars from Maven Central)
 * into the system or the git-ignored {@code .interop/} folder. A tool that cannot be installed fails the test: these
 * tests never skip.
 */
final class InteropTools {
    /**
     * A cold install downloads Debian packages, npm packages and ~55 MB of jars, and builds librdkafka from source
     * (about 90 s on two cores).
     */
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(15);

    private static final Path REPO_ROOT = findRepoRoot();

    private InteropTools() {
    }

    /**
     * Installs one part ({@code kcat}, {@code kafkajs}, {@code kafka-cli}, {@code python} or {@code confluent-js}),
     * or fails.
     */
    static void install(String part) throws IOException, InterruptedException {
        ExternalProcess.runSuccessfully(
                List.of("bash", REPO_ROOT.resolve("scripts/install-interop-tools.sh").toString(), part),
                Map.of(), null, INSTALL_TIMEOUT);
    }

    static Path repoRoot() {
        return REPO_ROOT;
    }

    /** kcat (or kafkacat, as some distributions name it), linked by the install script. */
    static Path kcat() {
        return REPO_ROOT.resolve(".interop/bin/kcat");
    }

    static Path nodeModules() {
        return REPO_ROOT.resolve(".interop/node/node_modules");
    }

    static Path kafkaJsScript() {
        return REPO_ROOT.resolve("interop/kafkajs/interop.js");
    }

    /** Confluent's JavaScript client with its librdkafka, built by the install script. */
    static Path confluentJsNodeModules() {
        return REPO_ROOT.resolve(".interop/confluent-js/node_modules");
    }

    /** The scenario runner of {@code interop/confluent-js}: {@code node run.js <area> <scenario> [args]}. */
    static Path confluentJsRunner() {
        return REPO_ROOT.resolve("interop/confluent-js/run.js");
    }

    static Path kafkaLibs() {
        return REPO_ROOT.resolve(".interop/kafka-libs");
    }

    static Path kafkaToolsLog4jConfig() {
        return REPO_ROOT.resolve("interop/kafka-cli/tools-log4j2.xml");
    }

    /** Debian's {@code /usr/bin/python3}, which imports Debian's confluent_kafka; linked by the install script. */
    static Path python() {
        return REPO_ROOT.resolve(".interop/bin/python3");
    }

    static Path pythonTransactionsScript() {
        return REPO_ROOT.resolve("interop/python/transactions.py");
    }

    /** Surefire runs in the module folder; the repository root is the nearest ancestor holding the script. */
    private static Path findRepoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (int depth = 0; dir != null && depth < 10; depth++, dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/install-interop-tools.sh"))) {
                return dir;
            }
        }
        throw new UncheckedIOException(new IOException("No scripts/install-interop-tools.sh above "
                + Path.of("").toAbsolutePath()));
    }
}
