package io.tributary.spring.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.server.FreePorts;
import io.tributary.spring.Topic;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An application commits a transaction that published an event while no broker is reachable, and is killed
 * (kill -9) before the event could be sent. Started again with the broker up, it resends the event from the outbox
 * table: the event arrives exactly once and its row is completed. The application runs as a separate JVM.
 */
class OutboxCrashTest {
    private static final String COMMITTED = "OUTBOX-CRASH-TEST COMMITTED";
    private static final Duration BOUND = Duration.ofSeconds(90);

    @Topic(name = "outbox-crash-charges")
    public record Charged(String id) {
    }

    /** The application: with {@code --crash-test.publish=true} it commits one Charged event, then waits. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    public static class App {
        /** The H2 file database of {@code crash-test.database} (the test classpath has no connection pool). */
        @Bean
        DataSource dataSource(Environment environment) {
            return new DriverManagerDataSource(environment.getRequiredProperty("crash-test.database"), "sa", "");
        }

        public static void main(String[] args) throws InterruptedException {
            ConfigurableApplicationContext context = SpringApplication.run(App.class, args);
            if (context.getEnvironment().getProperty("crash-test.publish", Boolean.class, false)) {
                var transactions = new TransactionTemplate(new JdbcTransactionManager(context.getBean(DataSource.class)));
                transactions.executeWithoutResult(status -> context.publishEvent(new Charged("charge-1")));
                System.out.println(COMMITTED);
                System.out.flush();
            }
            // Runs until the test kills it, as a service would.
            new CountDownLatch(1).await();
        }
    }

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private EmbeddedBroker broker;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void eventCommittedBeforeAKillIsResentAfterRestartExactlyOnce() throws Exception {
        int port = FreePorts.next();
        String database = "jdbc:h2:file:" + dir.resolve("app") + ";AUTO_SERVER=TRUE";

        Process first = start(port, database, "first", "--crash-test.publish=true",
                "--tributary.outbox.resubmit-after=1h");
        await().atMost(BOUND).until(() -> output("first").contains(COMMITTED));
        first.destroyForcibly().waitFor();
        assertThat(pendingRows(database)).as("committed, not sent").isEqualTo(1);

        var brokerProperties = new TributaryProperties().getBroker();
        brokerProperties.setPort(port);
        brokerProperties.setEphemeral(true);
        broker = EmbeddedBroker.start(brokerProperties, "outbox-crash-test");
        start(port, database, "second", "--tributary.outbox.resubmit-after=0s");

        List<String> read = TopicReader.readIdle(broker.bootstrapServers(), "outbox-crash-charges", 1);
        assertThat(read).as(() -> output("second")).containsExactly("{\"id\":\"charge-1\"}");
        await().atMost(BOUND).until(() -> pendingRows(database) == 0);
    }

    private Process start(int port, String database, String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), App.class.getName(),
                "--spring.application.name=outbox-crash-app", "--spring.main.banner-mode=off",
                "--spring.kafka.bootstrap-servers=127.0.0.1:" + port, "--crash-test.database=" + database,
                "--tributary.listener.create-topics=false",
                "--spring.kafka.producer.properties.max.block.ms=1000", "--tributary.outbox.backoff=200ms",
                "--tributary.outbox.max-backoff=1s", "--tributary.outbox.resubmit-interval=500ms"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        processes.add(process);
        return process;
    }

    private String output(String name) {
        File log = dir.resolve(name + ".log").toFile();
        try {
            return log.exists() ? Files.readString(log.toPath()) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int pendingRows(String database) throws SQLException {
        try (Connection connection = DriverManager.getConnection(database, "sa", "");
             ResultSet rows = connection.createStatement().executeQuery(
                     "SELECT COUNT(*) FROM tributary_event_publication WHERE completion_date IS NULL")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
