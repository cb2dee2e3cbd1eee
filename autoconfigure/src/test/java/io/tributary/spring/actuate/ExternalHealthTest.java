package io.tributary.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import io.tributary.spring.identity.ApplicationIdentityAutoConfiguration;
import io.tributary.spring.listener.TributaryListenerAutoConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** In external mode, health is whether the cluster answers describeCluster within the timeout. */
class ExternalHealthTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class, KafkaAutoConfiguration.class,
                    TributaryListenerAutoConfiguration.class, TributaryActuatorAutoConfiguration.class,
                    ApplicationIdentityAutoConfiguration.class));

    @Test
    void upWhenTheClusterAnswers() {
        var properties = new TributaryProperties.Broker();
        properties.setEphemeral(true);
        try (EmbeddedBroker cluster = EmbeddedBroker.start(properties, "external-health")) {
            contexts.withPropertyValues("spring.kafka.bootstrap-servers=" + cluster.bootstrapServers()).run(context -> {
                Health health = context.getBean(TributaryHealthIndicator.class).health(true);
                assertThat(health.getStatus()).isEqualTo(Status.UP);
                assertThat(health.getDetails()).containsEntry("mode", "external").containsEntry("nodes", 1)
                        .containsEntry("clusterId", cluster.broker().clusterId());
            });
        }
    }

    @Test
    void downWhenNothingAnswersWithinTheTimeout() throws IOException {
        int deadPort;
        try (var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            deadPort = socket.getLocalPort();
        }
        contexts.withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:" + deadPort,
                "tributary.health.timeout=1s", "tributary.listener.create-topics=false").run(context -> {
            long start = System.nanoTime();
            Health health = context.getBean(TributaryHealthIndicator.class).health(true);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails().get("error").toString()).contains("did not answer within 1000 ms");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
        });
    }
}
