package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tributary.broker.log.CleanerConfig;
import io.tributary.broker.testing.BrokerProcess;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/** Startup configuration: a bad value stops the broker with a message naming the property; a typo only warns. */
class BrokerConfigTest {
    @TempDir
    Path tempDir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "num.partitions | abc",
        "num.partitions | 0",
        "listeners | nonsense",
        "listeners | PLAINTEXT://127.0.0.1:99999",
        "listeners | SSL://127.0.0.1:9093",
        "socket.request.max.bytes | -1",
        "node.id | -1",
        "auto.create.topics.enable | maybe",
        "log.retention.ms | soon",
        "log.cleaner.threads | -1",
        "log.cleaner.io.buffer.load.factor | 1.5",
        "log.cleaner.dedupe.buffer.size | 1048575",
    })
    void invalidValueFailsWithAMessageNamingTheProperty(String name, String value) {
        assertThatThrownBy(() -> BrokerConfig.fromMap(Map.of(name, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(name);
    }

    @Test
    void logCleanerPropertiesMakeTheCleanerConfig() {
        CleanerConfig cleaner = BrokerConfig.fromMap(Map.of("log.cleaner.enable", "false", "log.cleaner.threads", "2",
                "log.cleaner.dedupe.buffer.size", "4194304", "log.cleaner.backoff.ms", "100")).cleanerConfig();

        assertThat(cleaner).isEqualTo(new CleanerConfig(false, 2, 4_194_304L, 0.9, 512 * 1024, Double.MAX_VALUE, 100));
        assertThat(BrokerConfig.defaults().cleanerConfig()).isEqualTo(CleanerConfig.defaults());
    }

    @Test
    void unknownPropertyIsOnlyWarnedAbout() {
        var logger = (Logger) LoggerFactory.getLogger(BrokerConfig.class);
        var appender = new ListAppender<ILoggingEvent>();
        appender.start();
        logger.addAppender(appender);
        try (TestBroker broker = TestBroker.start(tempDir, Map.of("log.retention.hourz", "12"))) {
            assertThat(broker.bootstrapServers()).isNotBlank();
            assertThat(appender.list).anySatisfy(event -> {
                assertThat(event.getLevel()).isEqualTo(Level.WARN);
                assertThat(event.getFormattedMessage()).contains("log.retention.hourz");
            });
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void brokerMainExitsNonZeroNamingTheInvalidProperty() throws Exception {
        BrokerProcess.Exit exit = BrokerProcess.runToExit(tempDir, Duration.ofSeconds(60),
                "--override", "log.dirs=" + tempDir.resolve("data"),
                "--override", "listeners=PLAINTEXT://127.0.0.1:0",
                "--override", "num.partitions=abc");

        assertThat(exit.status()).isEqualTo(1);
        assertThat(exit.output()).contains("invalid configuration").contains("num.partitions");
    }

    @Test
    void brokerMainExitsNonZeroOnAnUnknownArgument() throws Exception {
        BrokerProcess.Exit exit = BrokerProcess.runToExit(tempDir, Duration.ofSeconds(60), "--no-such-flag");

        assertThat(exit.status()).isEqualTo(2);
        assertThat(exit.output()).contains("--no-such-flag").contains("usage");
    }
}
