package io.tributary.spring.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

/**
 * The instance id behind the default transactional-id prefix: unique per running replica, the same after a
 * restart, from tributary.instance-id, the StatefulSet ordinal, or a slot file in the data directory.
 */
class InstanceIdTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                    ApplicationIdentityAutoConfiguration.class))
            .withPropertyValues("spring.application.name=billing");

    @TempDir
    Path dir;

    @Test
    void configuredInstanceIdIsUsedAndNoSlotIsClaimed() {
        contexts.withPropertyValues("tributary.mode=external", "tributary.broker.data-dir=" + dir,
                "tributary.instance-id=blue").run(context -> {
            ApplicationIdentity identity = context.getBean(ApplicationIdentity.class);
            assertThat(identity.resolvedInstanceId()).as("nothing resolved before it is needed").isEmpty();
            assertThat(identity.transactionIdPrefix()).isEqualTo("billing-blue-tx-");
            assertThat(identity.resolvedInstanceId()).contains("blue");
        });
        assertThat(dir.resolve("instances")).doesNotExist();
    }

    @Test
    void ephemeralExternalApplicationKeepsItsIdNowhere(@TempDir Path home) {
        String savedHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            contexts.withPropertyValues("tributary.mode=external", "tributary.broker.ephemeral=true")
                    .run(context -> {
                        String one = context.getBean(ApplicationIdentity.class).instanceId();
                        assertThat(one).hasSize(12);
                    });
        } finally {
            System.setProperty("user.home", savedHome);
        }
        assertThat(home.resolve(".tributary")).as("nothing written under the user's home").doesNotExist();
    }

    @Test
    void onKubernetesTheStatefulSetOrdinalIsTheId() {
        MockEnvironment environment = new MockEnvironment().withProperty("KUBERNETES_SERVICE_HOST", "10.0.0.1")
                .withProperty("HOSTNAME", "billing-2");
        try (InstanceId id = new InstanceId(environment, () -> dir)) {
            assertThat(id.get()).isEqualTo("2");
        }
        MockEnvironment notKubernetes = new MockEnvironment().withProperty("HOSTNAME", "billing-2");
        try (InstanceId id = new InstanceId(notKubernetes, () -> dir)) {
            assertThat(id.get()).as("HOSTNAME alone is not a StatefulSet").isNotEqualTo("2").hasSize(12);
        }
    }

    @Test
    void twoInstancesSharingADirectoryGetDifferentIdsAndARestartGetsItsIdBack() {
        MockEnvironment environment = new MockEnvironment();
        String first;
        String second;
        try (InstanceId a = new InstanceId(environment, () -> dir); InstanceId b = new InstanceId(environment,
                () -> dir)) {
            first = a.get();
            second = b.get();
            assertThat(first).isNotEqualTo(second);
            assertThat(dir.resolve("instances/0.id")).hasContent(first);
            assertThat(dir.resolve("instances/1.id")).hasContent(second);
        }
        try (InstanceId restarted = new InstanceId(environment, () -> dir)) {
            assertThat(restarted.get()).as("the first free slot, with its id").isEqualTo(first);
        }
    }

    @Test
    void aSlotHeldByOneInstanceIsNotTakenByTheNextUntilItStops() {
        MockEnvironment environment = new MockEnvironment();
        InstanceId a = new InstanceId(environment, () -> dir);
        String first = a.get();
        try (InstanceId b = new InstanceId(environment, () -> dir)) {
            assertThat(b.get()).isNotEqualTo(first);
        }
        a.close();
        try (InstanceId c = new InstanceId(environment, () -> dir)) {
            assertThat(c.get()).isEqualTo(first);
        }
    }

    @Test
    void externalApplicationKeepsItsGeneratedIdInTheDataDirAcrossRestarts() {
        var external = contexts.withPropertyValues("tributary.mode=external", "tributary.broker.data-dir=" + dir);
        String[] prefix = new String[1];
        external.run(context -> prefix[0] = context.getBean(ApplicationIdentity.class).transactionIdPrefix());
        String id = prefix[0].substring("billing-".length(), prefix[0].length() - "-tx-".length());
        assertThat(dir.resolve("instances/0.id")).hasContent(id);
        external.run(context -> assertThat(context.getBean(ApplicationIdentity.class).transactionIdPrefix())
                .isEqualTo(prefix[0]));
    }

    @Test
    void embeddedApplicationKeepsItsIdInTheBrokerDataDir() {
        contexts.withPropertyValues("tributary.broker.ephemeral=true").run(context -> {
            String id = context.getBean(ApplicationIdentity.class).instanceId();
            Path slot = context.getBean(EmbeddedBroker.class).dataDir().resolve("instances/0.id");
            assertThat(slot).hasContent(id);
            assertThat(Files.size(slot)).isEqualTo(12);
        });
    }
}
