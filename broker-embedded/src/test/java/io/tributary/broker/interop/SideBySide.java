package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kafka is the oracle: runs one scenario of Confluent's JavaScript client (librdkafka 2.15,
 * {@code interop/confluent-js/run.js}) against Tributary and against Apache Kafka 4.3.1 at the same time, and fails
 * unless both runs succeed and print the same lines. The caller then checks those lines against what the scenario
 * must show, so two brokers that agree on a wrong answer fail too.
 *
 * <p>Tributary runs with {@link ApacheKafka#TRIBUTARY_MATCHING}, the settings the Kafka node has. Kafka is shared by
 * every test class of the JVM, so each run gets a name prefix of its own ({@code NAME_PREFIX}: topics, groups and
 * transactional ids start with it), which the scenario strips from what it prints.
 */
final class SideBySide implements AutoCloseable {
    /** A scenario's own waits are shorter; this bounds a hung client. */
    private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(3);
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final TestBroker tributary;
    private final ApacheKafka kafka;

    private SideBySide(TestBroker tributary, ApacheKafka kafka) {
        this.tributary = tributary;
        this.kafka = kafka;
    }

    /** Installs the client, starts Tributary on {@code dataDir} and (once per JVM) Apache Kafka. */
    static SideBySide start(Path dataDir) throws Exception {
        InteropTools.install("confluent-js");
        ApacheKafka kafka = ApacheKafka.shared();
        return new SideBySide(TestBroker.start(dataDir, ApacheKafka.TRIBUTARY_MATCHING), kafka);
    }

    TestBroker tributary() {
        return tributary;
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

    /** Runs a scenario against Tributary only: for what a comparison cannot show (a broker restart, say). */
    List<String> runOnTributary(String area, String scenario, String... args) throws Exception {
        String prefix = "t" + RUNS.incrementAndGet() + "-";
        try (ExternalProcess.Running running = start(tributary.bootstrapServers(), prefix, area, scenario, args)) {
            ExternalProcess.Result result = running.await(SCENARIO_TIMEOUT);
            assertThat(result.exitCode()).as(result.describe()).isZero();
            return result.stdoutLines();
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

    @Override
    public void close() {
        tributary.close();
    }
}
