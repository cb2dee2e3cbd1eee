package io.tributary.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything the controller committed comes back after a restart by replaying the metadata log: topics with
 * their ids and partition counts, deletions, topic overrides, dynamic broker defaults, and the producer-id mark.
 */
class MetadataRestartTest {
    private static final ConfigResource KEPT = new ConfigResource(ConfigResource.Type.TOPIC, "kept");
    private static final ConfigResource CLUSTER_DEFAULT = new ConfigResource(ConfigResource.Type.BROKER, "");

    @TempDir
    Path dataDir;

    private static long newProducerId(String bootstrapServers) {
        try (WireClient wire = WireClient.connect(bootstrapServers)) {
            InitProducerIdResponse response = wire.send(new InitProducerIdRequest.Builder(
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000)
                            .setProducerId(-1).setProducerEpoch((short) -1)));
            return response.data().producerId();
        }
    }

    private static Config describe(Admin admin, ConfigResource resource) throws Exception {
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }

    @Test
    void topicsConfigsAndProducerIdsSurviveARestart() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            Map<String, Uuid> idsBefore;
            long producerIdBefore;
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                admin.createTopics(List.of(
                        new NewTopic("kept", 2, (short) 1).configs(Map.of("retention.ms", "1234567")),
                        new NewTopic("grown", 1, (short) 1),
                        new NewTopic("removed", 1, (short) 1))).all().get();
                admin.createPartitions(Map.of("grown", NewPartitions.increaseTo(4))).all().get();
                admin.deleteTopics(List.of("removed")).all().get();
                admin.incrementalAlterConfigs(Map.of(
                        KEPT, List.of(new AlterConfigOp(new ConfigEntry("segment.ms", "3600000"),
                                AlterConfigOp.OpType.SET)),
                        CLUSTER_DEFAULT, List.of(new AlterConfigOp(new ConfigEntry("log.retention.bytes", "1048576"),
                                AlterConfigOp.OpType.SET)))).all().get();
                idsBefore = Map.of("kept", admin.describeTopics(List.of("kept")).allTopicNames().get().get("kept")
                        .topicId(), "grown", admin.describeTopics(List.of("grown")).allTopicNames().get().get("grown")
                        .topicId());
            }
            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>("kept", 1, "k" + i, "v" + i)).get();
                }
            }
            producerIdBefore = newProducerId(broker.bootstrapServers());

            broker.restart();

            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                assertThat(admin.listTopics().names().get()).containsExactlyInAnyOrder("kept", "grown");
                Map<String, TopicDescription> topics = admin.describeTopics(List.of("kept", "grown"))
                        .allTopicNames().get();
                assertThat(topics.get("kept").topicId()).isEqualTo(idsBefore.get("kept"));
                assertThat(topics.get("grown").topicId()).isEqualTo(idsBefore.get("grown"));
                assertThat(topics.get("kept").partitions()).hasSize(2);
                assertThat(topics.get("grown").partitions()).hasSize(4);

                Config kept = describe(admin, KEPT);
                assertThat(kept.get("retention.ms").value()).isEqualTo("1234567");
                assertThat(kept.get("retention.ms").source()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
                assertThat(kept.get("segment.ms").value()).isEqualTo("3600000");
                assertThat(kept.get("retention.bytes").value()).isEqualTo("1048576");
                assertThat(kept.get("retention.bytes").source())
                        .isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
                assertThat(describe(admin, CLUSTER_DEFAULT).get("log.retention.bytes").value()).isEqualTo("1048576");
            }
            assertThat(dataDir.resolve("removed-0")).doesNotExist();
            List<ConsumerRecord<String, String>> records = Clients.readExactly(broker.bootstrapServers(),
                    new TopicPartition("kept", 1), 0, 3);
            assertThat(records).extracting(ConsumerRecord::value).containsExactly("v0", "v1", "v2");
            assertThat(newProducerId(broker.bootstrapServers())).isGreaterThan(producerIdBefore);
        }
    }
}
