package io.tributary.spring.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.identity.ApplicationIdentityAutoConfiguration;
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
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** Every condition and property of the embedded broker's auto-configuration, on real contexts and a real node. */
@ExtendWith(OutputCaptureExtension.class)
class EmbeddedBrokerAutoConfigurationTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    KafkaAutoConfiguration.class, TributaryListenerAutoConfiguration.class,
                    ApplicationIdentityAutoConfiguration.class))
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
    void bootstrapServersAsAnIndexedListMeanExternal() {
        contexts.withPropertyValues("spring.kafka.bootstrap-servers[0]=kafka-1:9092",
                "spring.kafka.bootstrap-servers[1]=kafka-2:9092").run(context -> {
            assertThat(context).doesNotHaveBean(EmbeddedBroker.class);
            assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                    .containsExactly("kafka-1:9092", "kafka-2:9092");
        });
    }

    @Test
    void bootstrapServersFromAnEnvironmentVariableMeanExternal() {
        contexts.withInitializer(context -> context.getEnvironment().getPropertySources().replace(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("SPRING_KAFKA_BOOTSTRAPSERVERS", "kafka-env:9092"))))
                .run(context -> {
                    assertThat(context).doesNotHaveBean(EmbeddedBroker.class);
                    assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                            .containsExactly("kafka-env:9092");
                });
    }

    @Test
    void perClientBootstrapServersMeanExternal() {
        contexts.withPropertyValues("spring.kafka.consumer.bootstrap-servers=kafka-c:9092")
                .run(context -> assertThat(context).doesNotHaveBean(EmbeddedBroker.class));
    }

    @Test
    void applicationConnectionDetailsMeanExternal() {
        contexts.withUserConfiguration(OwnConnectionDetails.class).run(context -> {
            assertThat(context).doesNotHaveBean(EmbeddedBroker.class);
            assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                    .containsExactly("elsewhere:9092");
        });
    }

    @Test
    void embeddedModeStartsTheBrokerAndIgnoresBootstrapServersWithAWarning(CapturedOutput output) {
        contexts.withPropertyValues("tributary.mode=embedded", "spring.kafka.bootstrap-servers=kafka-1:9092")
                .run(context -> {
                    EmbeddedBroker broker = context.getBean(EmbeddedBroker.class);
                    assertThat(context.getBean(KafkaConnectionDetails.class).getBootstrapServers())
                            .containsExactly(broker.bootstrapServers());
                });
        assertThat(output).contains("tributary.mode is embedded: spring.kafka.bootstrap-servers=kafka-1:9092 is "
                + "ignored");
    }

    @Test
    void embeddedModeKeepsTheApplicationsOwnConnectionDetails() {
        contexts.withPropertyValues("tributary.mode=embedded").withUserConfiguration(OwnConnectionDetails.class)
                .run(context -> {
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
    void defaultDataDirIsPerApplicationUnderTheUsersHome(@TempDir Path home, CapturedOutput output) {
        withUserHome(home.toString(), () -> contexts
                .withPropertyValues("tributary.broker.ephemeral=false", "spring.application.name=dir-default-test")
                .run(context -> assertThat(context.getBean(EmbeddedBroker.class).dataDir())
                        .isEqualTo(home.resolve(".tributary/dir-default-test").toAbsolutePath())));
        assertThat(home.resolve(".tributary/dir-default-test")).isDirectory();
        assertThat(output).as("a home under java.io.tmpdir is still a default the user did not choose")
                .contains("is under the temporary directory");
    }

    @Test
    void unusableUserHomeFailsStartupNamingTheDataDirProperty() {
        withUserHome("", () -> contexts.withPropertyValues("tributary.broker.ephemeral=false").run(context -> {
            FailureAnalysis analysis = analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("user.home");
            assertThat(analysis.getAction()).contains("tributary.broker.data-dir");
        }));
    }

    @Test
    void dataDirUnderTheTemporaryDirectoryIsWarnedAboutUnlessEphemeral(@TempDir Path dir, CapturedOutput output) {
        contexts.withPropertyValues("tributary.broker.ephemeral=true", "tributary.broker.data-dir=" + dir.resolve("e"))
                .run(context -> assertThat(context).hasSingleBean(EmbeddedBroker.class));
        assertThat(output).doesNotContain("is under the temporary directory");
        contexts.withPropertyValues("tributary.broker.ephemeral=false", "tributary.broker.data-dir=" + dir.resolve("d"))
                .run(context -> assertThat(context).hasSingleBean(EmbeddedBroker.class));
        assertThat(output).contains("The broker's data directory " + dir.resolve("d").toAbsolutePath()
                + " is under the temporary directory");
    }

    private static void withUserHome(String home, Runnable action) {
        String saved = System.getProperty("user.home");
        System.setProperty("user.home", home);
        try {
            action.run();
        } finally {
            System.setProperty("user.home", saved);
        }
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
