package io.tributary.spring.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.listener.TributaryListenerAutoConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition and property of the embedded broker's auto-configuration, on real contexts and a real node. */
class EmbeddedBrokerAutoConfigurationTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    KafkaAutoConfiguration.class, TributaryListenerAutoConfiguration.class))
            .withPropertyValues("tributary.broker.ephemeral=true");

    @Test
    void startsABrokerOnALoopbackFreePortAndOffersItAsTheConnectionDetails() {
        contexts.run(context -> {
            EmbeddedBroker broker = context.getBean(EmbeddedBroker.class);
            assertThat(broker.port()).isPositive();
            assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                    .containsExactly("127.0.0.1:" + broker.port());
            try (Admin admin = admin(broker)) {
                assertThat(admin.describeCluster().nodes().get(10, TimeUnit.SECONDS)).hasSize(1);
            }
        });
    }

    @Test
    void externalModeStartsNoBroker() {
        contexts.withPropertyValues("tributary.mode=external").run(context -> {
            assertThat(context).doesNotHaveBean(EmbeddedBroker.class);
            assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                    .containsExactly("localhost:9092");
        });
    }

    @Test
    void settingBootstrapServersAloneMeansExternal() {
        contexts.withPropertyValues("spring.kafka.bootstrap-servers=kafka-1:9092").run(context -> {
            assertThat(context).doesNotHaveBean(EmbeddedBroker.class);
            assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                    .containsExactly("kafka-1:9092");
        });
    }

    @Test
    void applicationConnectionDetailsWinButTheBrokerStillRuns() {
        contexts.withUserConfiguration(OwnConnectionDetails.class).run(context -> {
            assertThat(context).hasSingleBean(EmbeddedBroker.class);
            assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                    .containsExactly("elsewhere:9092");
        });
    }

    @Test
    void brokerPropertiesBecomeBrokerConfiguration(@TempDir Path dir) {
        Path dataDir = dir.resolve("data");
        contexts.withPropertyValues("tributary.broker.ephemeral=false", "tributary.broker.data-dir=" + dataDir,
                "tributary.broker.partitions=4", "tributary.broker.retention=2h",
                "tributary.broker.properties.log.segment.bytes=1048576").run(context -> {
            EmbeddedBroker broker = context.getBean(EmbeddedBroker.class);
            assertThat(broker.dataDir()).isEqualTo(dataDir.toAbsolutePath());
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic("defaults", java.util.Optional.empty(),
                        java.util.Optional.empty()))).all().get(10, TimeUnit.SECONDS);
                assertThat(admin.describeTopics(List.of("defaults")).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get("defaults").partitions()).hasSize(4);
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, "defaults");
                var config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
                assertThat(config.get("retention.ms").value()).isEqualTo("7200000");
                assertThat(config.get("segment.bytes").value()).isEqualTo("1048576");
            }
            assertThat(dataDir.resolve("defaults-0")).isDirectory();
        });
        assertThat(dataDir).as("a durable data dir stays after close").isDirectory();
    }

    @Test
    void ephemeralBrokerDeletesItsDataOnClose() {
        Path[] dataDir = new Path[1];
        contexts.run(context -> {
            dataDir[0] = context.getBean(EmbeddedBroker.class).dataDir();
            assertThat(dataDir[0]).isDirectory();
        });
        assertThat(dataDir[0]).doesNotExist();
    }

    @Test
    void defaultDataDirIsPerApplication() throws IOException {
        contexts.withPropertyValues("tributary.broker.ephemeral=false", "spring.application.name=dir-default-test")
                .run(context -> {
                    Path expected = Path.of(System.getProperty("java.io.tmpdir"), "tributary", "dir-default-test");
                    assertThat(context.getBean(EmbeddedBroker.class).dataDir()).isEqualTo(expected.toAbsolutePath());
                });
        org.springframework.util.FileSystemUtils.deleteRecursively(
                Path.of(System.getProperty("java.io.tmpdir"), "tributary", "dir-default-test"));
    }

    @Test
    void portInUseFailsStartupNamingThePortProperty() throws IOException {
        try (var taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            contexts.withPropertyValues("tributary.broker.port=" + taken.getLocalPort()).run(context -> {
                FailureAnalysis analysis = analyze(context.getStartupFailure());
                assertThat(analysis.getDescription()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
                assertThat(analysis.getAction()).contains("tributary.broker.port");
            });
        }
    }

    @Test
    void unwritableDataDirFailsStartupNamingTheDataDirProperty(@TempDir Path dir) throws IOException {
        Path readOnly = Files.createDirectory(dir.resolve("read-only"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("r-xr-xr-x")));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(readOnly),
                "running as a user who can write anywhere (root): permissions cannot make a directory unwritable");
        contexts.withPropertyValues("tributary.broker.data-dir=" + readOnly.resolve("data")).run(context -> {
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains(readOnly.resolve("data").toString());
            assertThat(analysis.getAction()).contains("tributary.broker.data-dir");
        });
    }

    @Test
    void dataDirThatIsAFileFailsStartupNamingTheDataDirProperty(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        contexts.withPropertyValues("tributary.broker.data-dir=" + file).run(context -> {
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains(file.toString());
            assertThat(analysis.getAction()).contains("tributary.broker.data-dir");
        });
    }

    @Test
    void dataDirInUseByAnotherBrokerFailsStartupSayingSo(@TempDir Path dir) {
        contexts.withPropertyValues("tributary.broker.ephemeral=false", "tributary.broker.data-dir=" + dir)
                .run(first -> contexts.withPropertyValues("tributary.broker.data-dir=" + dir).run(second -> {
                    FailureAnalysis analysis = analyze(second.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("in use by another broker");
                    assertThat(analysis.getAction()).contains("tributary.broker.data-dir");
                }));
    }

    static FailureAnalysis analyze(Throwable failure) {
        assertThat(failure).as("startup failure").isNotNull();
        Throwable cause = failure;
        while (cause != null && !(cause instanceof EmbeddedBrokerStartException)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("an EmbeddedBrokerStartException in " + failure).isNotNull();
        return new EmbeddedBrokerFailureAnalyzer().analyze(failure);
    }

    private static Admin admin(EmbeddedBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnConnectionDetails {
        @Bean
        KafkaConnectionDetails ownConnectionDetails() {
            return () -> List.of("elsewhere:9092");
        }
    }
}
