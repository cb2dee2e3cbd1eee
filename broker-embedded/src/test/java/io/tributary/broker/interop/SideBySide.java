package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.TestBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Kafka is the oracle: runs one scenario of Confluent's JavaScript client (librdkafka 2.15,
 * {@code interop/confluent-js/run.js}) against Tributary and against Apache Kafka 4.3.1 at the same time, and fails
 * unless both runs succeed and print the same lines. The caller then checks those lines against what the scenario
 * must show, so two brokers that agree on a wrong answer fail too.
 *
 * <p>Tributary runs with {@link ApacheKafka#TRIBUTARY_MATCHING}, the settings the Kafka node has. Kafka is shared by
 * every test class of the JVM, so each run gets a name prefix of its own ({@code NAME_PREFIX}: topics, groups and
 * transactional ids start with it), which the scenario strips from what it prints.
 *
 * <p>A test class registers it once ({@code @RegisterExtension static final SideBySide brokers = new SideBySide();}):
 * before the class's first test it installs the client and starts Tributary on a fresh data folder and (once per
 * JVM) Apache Kafka; after the last one it stops Tributary and deletes the folder.
 */
final class SideBySide implements BeforeAllCallback, AfterAllCallback {
    /** A scenario's own waits are shorter; this bounds a hung client. */
    private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(3);
    private static final AtomicInteger RUNS = new AtomicInteger();

    private Path dataDir;
    private TestBroker tributary;
    private ApacheKafka kafka;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        InteropTools.install("confluent-js");
        kafka = ApacheKafka.shared();
        dataDir = Files.createTempDirectory("side-by-side-");
        tributary = TestBroker.start(dataDir, ApacheKafka.TRIBUTARY_MATCHING);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (tributary != null) {
            tributary.close();
        }
        if (dataDir != null) {
            try (Stream<Path> paths = Files.walk(dataDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    TestBroker tributary() {
        return tributary;
    }

    ApacheKafka kafka() {
        return kafka;
    }

    /**
     * Runs {@code scenarios/<area>.js}'s {@code scenario} against both brokers and returns the lines both printed;
     * fails with both outputs when either run fails or the two differ.
     */
    List<String> run(String area, String scenario, String... args) throws Exception {
        String prefix = "r" + RUNS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36)
                + "-";
        try (ExternalProcess.Running onTributary = start(tributary.bootstrapServers(), prefix, area, scenario, args);
             ExternalProcess.Running onKafka = start(kafka.bootstrapServers(), prefix, area, scenario, args)) {
            ExternalProcess.Result ours = onTributary.await(SCENARIO_TIMEOUT);
            ExternalProcess.Result theirs = onKafka.await(SCENARIO_TIMEOUT);
            String both = "\n=== Tributary\n" + ours.describe() + "\n=== Apache Kafka 4.3.1\n" + theirs.describe();
            assertThat(theirs.exitCode()).as("the scenario on Apache Kafka" + both).isZero();
            assertThat(ours.exitCode()).as("the scenario on Tributary" + both).isZero();
            assertThat(ours.stdoutLines()).as("Tributary's outcome against Apache Kafka's" + both)
                    .containsExactlyElementsOf(theirs.stdoutLines());
            return ours.stdoutLines();
        }
    }

    private static ExternalProcess.Running start(String bootstrap, String prefix, String area, String scenario,
                                                 String... args) throws Exception {
        var command = new ArrayList<>(List.of("node", InteropTools.confluentJsRunner().toString(), area, scenario));
        command.addAll(List.of(args));
        return ExternalProcess.start(command, Map.of(
                "BOOTSTRAP", bootstrap,
                "NAME_PREFIX", prefix,
                "NODE_PATH", InteropTools.confluentJsNodeModules().toString()), null);
    }
}
