package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topics declared in-process are what clients then see, as if created with CreateTopics / CreatePartitions. */
class DeclareTopicsTest {

    @TempDir
    Path dataDir;

    @Test
    void createsMissingTopicsGrowsSmallerOnesAndLeavesOthers() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("num.partitions", "2"))) {
            Broker node = broker.broker();
            assertThat(node.declareTopics(List.of(new TopicSpec("declared-a", 3, (short) -1,
                    Map.of("cleanup.policy", "compact")), new TopicSpec("declared-b", -1, (short) -1, Map.of()))))
                    .containsExactly("declared-a", "declared-b");
            assertThat(node.declareTopics(List.of(new TopicSpec("declared-a", 5, (short) -1, Map.of()),
                    new TopicSpec("declared-b", 1, (short) -1, Map.of())))).containsExactly("declared-a");

            try (var admin = Clients.admin(broker.bootstrapServers())) {
                var topics = admin.describeTopics(List.of("declared-a", "declared-b")).allTopicNames()
                        .get(10, TimeUnit.SECONDS);
                assertThat(topics.get("declared-a").partitions()).hasSize(5);
                assertThat(topics.get("declared-b").partitions()).as("num.partitions, never shrunk").hasSize(2);
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, "declared-a");
                assertThat(admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource)
                        .get("cleanup.policy").value()).isEqualTo("compact");
            }
        }
    }

    @Test
    void invalidDeclarationFailsNamingTheTopic() {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            assertThatThrownBy(() -> broker.broker().declareTopics(List.of(new TopicSpec("bad-config", 1, (short) -1,
                    Map.of("cleanup.policy", "sometimes")))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad-config");
            assertThatThrownBy(() -> broker.broker().declareTopics(List.of(new TopicSpec("bad name!", 1, (short) -1,
                    Map.of())))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad name!");
        }
    }
}
