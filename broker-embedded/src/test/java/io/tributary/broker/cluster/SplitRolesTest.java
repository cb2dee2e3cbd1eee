package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.server.Broker;
import io.tributary.broker.server.BrokerConfig;
import io.tributary.broker.server.ControllerNode;
import io.tributary.broker.server.FreePorts;
import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes with one role each: a controller that is only a quorum voter ({@code process.roles=controller}, no client
 * listener, no partitions) and brokers that follow its metadata log without voting ({@code process.roles=broker}).
 * Kafka's clients see the two brokers as the cluster and the controller as the quorum; replication, fencing of a
 * killed broker and its return work as on combined nodes.
 */
class SplitRolesTest {
    private static final String TOPIC = "split";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private final List<AutoCloseable> running = new ArrayList<>();
    private final Map<Integer, Integer> clientPorts = new HashMap<>();
    private int controllerPort;

    @AfterEach
    void stopAll() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }

    private Map<String, String> common(int nodeId) {
        var properties = new HashMap<String, String>();
        properties.put(BrokerConfig.NODE_ID, String.valueOf(nodeId));
        properties.put(BrokerConfig.CONTROLLER_QUORUM_VOTERS, "1@127.0.0.1:" + controllerPort);
        properties.put(BrokerConfig.LOG_DIRS, root.resolve("node-" + nodeId).toString());
        properties.put("offsets.topic.replication.factor", "2");
        return properties;
    }

    private Broker startBroker(int nodeId) {
        Map<String, String> properties = common(nodeId);
        properties.put("process.roles", "broker");
        properties.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:" + clientPorts.get(nodeId));
        Broker broker = Broker.start(BrokerConfig.fromMap(properties));
        running.add(broker);
        return broker;
    }

    private String bootstrap() {
        return "127.0.0.1:" + clientPorts.get(2) + ",127.0.0.1:" + clientPorts.get(3);
    }

    @Test
    void brokersFollowAControllerThatHoldsNoPartitions() throws Exception {
        controllerPort = FreePorts.next();
        clientPorts.put(2, FreePorts.next());
        clientPorts.put(3, FreePorts.next());
        Map<String, String> controllerProperties = common(1);
        controllerProperties.put("process.roles", "controller");
        controllerProperties.put(BrokerConfig.LISTENERS, "CONTROLLER://127.0.0.1:" + controllerPort);
        ControllerNode controller = ControllerNode.start(BrokerConfig.fromMap(controllerProperties));
        running.add(controller);
        startBroker(2);
        Broker three = startBroker(3);

        try (Admin admin = Clients.admin(bootstrap())) {
            // Each broker learns of the other from the metadata log, a moment after it registered.
            LocalCluster.awaitCondition(WAIT, "both brokers in DescribeCluster", () -> {
                try {
                    return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id)
                            .sorted().toList().equals(List.of(2, 3));
                } catch (Exception e) {
                    return false;
                }
            });
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertThat(quorum.leaderId()).isEqualTo(1);
            assertThat(quorum.voters()).extracting(QuorumInfo.ReplicaState::replicaId).containsExactly(1);
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 2)
                    .configs(Map.of("min.insync.replicas", "1")))).all().get(30, TimeUnit.SECONDS);
        }
        LocalCluster.awaitCondition(WAIT, "a full ISR", () -> isr(three).size() == 2);

        var sent = new ArrayList<String>();
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "before-" + i)).get(30, TimeUnit.SECONDS);
                sent.add("before-" + i);
            }
            int leader = three.metadataImage().topic(TOPIC).partitions().get(0).leader();
            Broker victim = leader == 3 ? three : (Broker) running.get(1);
            Broker survivor = victim == three ? (Broker) running.get(1) : three;
            victim.halt();
            running.remove(victim);
            LocalCluster.awaitCondition(WAIT, "a new leader", () ->
                    survivor.metadataImage().topic(TOPIC).partitions().get(0).leader() == survivor.nodeId());
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", "after-" + i)).get(30, TimeUnit.SECONDS);
                sent.add("after-" + i);
            }
            Broker back = startBroker(victim.nodeId());
            LocalCluster.awaitCondition(WAIT, "the restarted broker back in the ISR",
                    () -> isr(back).contains(back.nodeId()));
        }

        var read = new ArrayList<String>();
        try (var consumer = Clients.consumer(bootstrap())) {
            var partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (read.size() < sent.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    read.add(record.value());
                }
            }
        }
        assertThat(read).containsExactlyElementsOf(sent);
        assertThat(controller.metadataImage().brokers().keySet()).containsExactlyInAnyOrder(2, 3);
    }

    private static List<Integer> isr(Broker broker) {
        var topic = broker.metadataImage().topic(TOPIC);
        return topic == null ? List.of() : topic.partitions().get(0).isr();
    }

    @Test
    void aNodeWithOneRoleIsRefusedWithoutWhatThatRoleNeeds() {
        assertThatThrownBy(() -> BrokerConfig.fromMap(Map.of("process.roles", "broker", "node.id", "2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("controller.quorum.voters");
        assertThatThrownBy(() -> BrokerConfig.fromMap(Map.of("process.roles", "controller", "node.id", "1",
                "controller.quorum.voters", "1@127.0.0.1:9093", "listeners", "PLAINTEXT://127.0.0.1:9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("controller.listener.names");
        assertThatThrownBy(() -> BrokerConfig.fromMap(Map.of("process.roles", "broker", "node.id", "1",
                "controller.quorum.voters", "1@127.0.0.1:9093", "listeners", "PLAINTEXT://127.0.0.1:9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must include controller");
    }
}
