package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Apache Kafka's command-line tools, each run as its own JVM exactly as the {@code bin/kafka-*.sh} scripts run them,
 * from the jars {@code scripts/install-interop-tools.sh kafka-cli} put in {@code .interop/kafka-libs}.
 */
final class KafkaCli {
    static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
    static final String CONFIGS = "kafka.admin.ConfigCommand";
    static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
    static final String CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private KafkaCli() {
    }

    /** Runs a tool that must succeed and returns its stdout lines. */
    static List<String> run(String mainClass, String... args) throws Exception {
        ExternalProcess.Result result = result(mainClass, args);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        return result.stdoutLines();
    }

    static ExternalProcess.Result result(String mainClass, String... args) throws Exception {
        return resultWithInput(null, mainClass, args);
    }

    static ExternalProcess.Result resultWithInput(String stdin, String mainClass, String... args) throws Exception {
        var command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Short-lived tools: the C1 compiler alone starts them noticeably faster.
                "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-Dlog4j2.configurationFile=" + InteropTools.kafkaToolsLog4jConfig(),
                "-cp", InteropTools.kafkaLibs() + "/*",
                mainClass));
        command.addAll(List.of(args));
        return ExternalProcess.run(command, Map.of(), stdin, TIMEOUT);
    }
}
