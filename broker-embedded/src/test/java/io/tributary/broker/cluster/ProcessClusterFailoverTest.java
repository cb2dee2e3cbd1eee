package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.FreePorts;
import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.BrokerProcess;
import io.tributary.broker.testing.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes (RF 3, {@code min.insync.replicas=2}) while idempotent acks=all producers stream and a
 * consumer group consumes: a node is killed with SIGKILL (the partition leader, a follower, or the active controller)
 * and restarted, over and over. Afterwards every partition holds exactly the acknowledged records, in order, none
 * twice; the group consumed all of them; and the failover time (kill → next acknowledged record of the partition
 * whose leader died) is printed, median and max. The default suite kills the leader 3 times; the {@code slow}
 * profile runs 30 kills of each kind.
 */
class ProcessClusterFailoverTest {
    private static final String TOPIC = "stream";
    private static final int PARTITIONS = 3;
    private static final Duration WAIT = Duration.ofSeconds(90);

    enum Victim { LEADER, FOLLOWER, CONTROLLER }

    @TempDir
    Path root;

    private final Map<Integer, BrokerProcess> nodes = new ConcurrentHashMap<>();
    private final Map<Integer, Map<String, String>> configs = new TreeMap<>();

    @AfterEach
    void stopAll() throws Exception {
        for (BrokerProcess node : nodes.values()) {
            node.close();
        }
    }

    @Test
    void killingTheLeaderLosesNothingAcknowledged() throws Exception {
        run(Victim.LEADER, 3);
    }

    @Test
    @Tag("slow")
    void killingTheLeaderThirtyTimesLosesNothingAcknowledged() throws Exception {
        run(Victim.LEADER, 30);
    }

    @Test
    @Tag("slow")
    void killingAFollowerThirtyTimesLosesNothingAcknowledged() throws Exception {
        run(Victim.FOLLOWER, 30);
    }

    @Test
    @Tag("slow")
    void killingTheActiveControllerThirtyTimesLosesNothingAcknowledged() throws Exception {
        run(Victim.CONTROLLER, 30);
    }

    private void startCluster() throws Exception {
        var clientPorts = new TreeMap<Integer, Integer>();
        var controllerPorts = new TreeMap<Integer, Integer>();
        for (int id = 1; id <= 3; id++) {
            clientPorts.put(id, FreePorts.next());
            controllerPorts.put(id, FreePorts.next());
        }
        String voters = controllerPorts.entrySet().stream()
                .map(voter -> voter.getKey() + "@127.0.0.1:" + voter.getValue()).collect(Collectors.joining(","));
        for (int id = 1; id <= 3; id++) {
            var config = new HashMap<String, String>();
            config.put("node.id", String.valueOf(id));
            config.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPorts.get(id) + ",CONTROLLER://127.0.0.1:"
                    + controllerPorts.get(id));
            config.put("controller.quorum.voters", voters);
            config.put("offsets.topic.num.partitions", "3");
            config.put("group.initial.rebalance.delay.ms", "0");
            config.put("group.min.session.timeout.ms", "500");
            configs.put(id, config);
        }
        var starting = new ArrayList<CompletableFuture<Void>>();
        for (int id : configs.keySet()) {
            starting.add(CompletableFuture.runAsync(() -> start(id)));
        }
        starting.forEach(CompletableFuture::join);
    }

    private void start(int id) {
        nodes.put(id, BrokerProcess.start(root.resolve("node-" + id), configs.get(id)));
    }

    private String bootstrap() {
        return configs.values().stream().map(config -> config.get("listeners").split(",")[0]
                .replace("PLAINTEXT://", "")).collect(Collectors.joining(","));
    }

    private void run(Victim kind, int kills) throws Exception {
        startCluster();
        String bootstrap = bootstrap();
        try (Admin admin = Clients.admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            awaitFullIsr(admin);

            var acknowledged = new ArrayList<List<String>>();
            var ackTimes = new ArrayList<List<Long>>();
            for (int p = 0; p < PARTITIONS; p++) {
                acknowledged.add(Collections.synchronizedList(new ArrayList<>()));
                ackTimes.add(Collections.synchronizedList(new ArrayList<>()));
            }
            var running = new AtomicBoolean(true);
            var producers = new ArrayList<CompletableFuture<Void>>();
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                producers.add(CompletableFuture.runAsync(() -> produce(bootstrap, partition, running,
                        acknowledged.get(partition), ackTimes.get(partition))));
            }
            Map<Integer, List<String>> consumed = new ConcurrentHashMap<>();
            CompletableFuture<Void> group = CompletableFuture.runAsync(() -> consume(bootstrap, running, consumed));

            var failoverMs = new ArrayList<Long>();
            for (int round = 0; round < kills; round++) {
                awaitProgress(acknowledged, 20);
                int leader = leaderOf(admin, 0);
                int victim = switch (kind) {
                    case LEADER -> leader;
                    case FOLLOWER -> leader == 1 ? 2 : 1;
                    case CONTROLLER -> admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS)
                            .leaderId();
                };
                long killedAt = System.currentTimeMillis();
                assertThat(nodes.remove(victim).kill()).isEqualTo(137);
                awaitAckAfter(ackTimes.get(0), killedAt);
                failoverMs.add(firstAckAfter(ackTimes.get(0), killedAt) - killedAt);
                start(victim);
                awaitFullIsr(admin);
            }
            running.set(false);
            for (CompletableFuture<Void> producer : producers) {
                producer.get(120, TimeUnit.SECONDS);
            }

            for (int p = 0; p < PARTITIONS; p++) {
                List<ConsumerRecord<String, String>> log = Clients.readToEnd(bootstrap,
                        new TopicPartition(TOPIC, p), IsolationLevel.READ_UNCOMMITTED);
                assertThat(log).extracting(ConsumerRecord::value).as("partition %d: the acknowledged records, once,"
                        + " in order", p).containsExactlyElementsOf(acknowledged.get(p));
            }
            LocalCluster.awaitCondition(WAIT, "the group to consume every record", () -> {
                for (int p = 0; p < PARTITIONS; p++) {
                    List<String> seen = consumed.getOrDefault(p, List.of());
                    if (!seen.containsAll(acknowledged.get(p))) {
                        return false;
                    }
                }
                return true;
            });
            group.get(60, TimeUnit.SECONDS);
            List<Long> sorted = failoverMs.stream().sorted().toList();
            System.out.printf("Failover (%s killed, %d times): median %d ms, max %d ms, all %s%n", kind, kills,
                    sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), failoverMs);
        }
    }

    private static void produce(String bootstrap, int partition, AtomicBoolean running, List<String> acknowledged,
                                List<Long> ackTimes) {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 20, ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200))) {
            for (int i = 0; running.get(); i++) {
                String value = "p" + partition + "-" + i;
                producer.send(new ProducerRecord<>(TOPIC, partition, "k" + i, value)).get(120, TimeUnit.SECONDS);
                acknowledged.add(value);
                ackTimes.add(System.currentTimeMillis());
            }
        } catch (Exception e) {
            throw new IllegalStateException("Producer of partition " + partition + " failed", e);
        }
    }

    private static void consume(String bootstrap, AtomicBoolean running, Map<Integer, List<String>> consumed) {
        try (KafkaConsumer<String, String> consumer = Clients.groupConsumer(bootstrap, "failover-group", Map.of())) {
            consumer.subscribe(List.of(TOPIC));
            long idleUntil = Long.MAX_VALUE;
            while (System.currentTimeMillis() < idleUntil) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    consumed.computeIfAbsent(record.partition(), p -> Collections.synchronizedList(new ArrayList<>()))
                            .add(record.value());
                }
                try {
                    consumer.commitSync(Duration.ofSeconds(10));
                } catch (RuntimeException e) {
                    // A coordinator moving away: the next poll finds the new one; commits are retried then.
                }
                if (!running.get() && idleUntil == Long.MAX_VALUE) {
                    idleUntil = System.currentTimeMillis() + 20_000;
                }
            }
        }
    }

    private static int leaderOf(Admin admin, int partition) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(TOPIC);
        return description.partitions().get(partition).leader().id();
    }

    private static void awaitFullIsr(Admin admin) {
        LocalCluster.awaitCondition(WAIT, "every partition to have a leader and three in-sync replicas", () -> {
            try {
                for (TopicPartitionInfo partition : admin.describeTopics(List.of(TOPIC)).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(TOPIC).partitions()) {
                    if (partition.leader() == null || partition.isr().size() != 3) {
                        return false;
                    }
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static void awaitProgress(List<List<String>> acknowledged, int more) {
        int[] before = acknowledged.stream().mapToInt(List::size).toArray();
        LocalCluster.awaitCondition(WAIT, "every producer to go on", () -> {
            for (int p = 0; p < before.length; p++) {
                if (acknowledged.get(p).size() < before[p] + more) {
                    return false;
                }
            }
            return true;
        });
    }

    private static void awaitAckAfter(List<Long> ackTimes, long after) {
        LocalCluster.awaitCondition(WAIT, "an acknowledgement after the kill", () -> firstAckAfter(ackTimes, after) > 0);
    }

    private static long firstAckAfter(List<Long> ackTimes, long after) {
        synchronized (ackTimes) {
            for (long time : ackTimes) {
                if (time > after) {
                    return time;
                }
            }
        }
        return -1;
    }
}
