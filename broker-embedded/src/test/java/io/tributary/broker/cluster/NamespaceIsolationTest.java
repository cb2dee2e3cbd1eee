package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.testing.BrokerProcess;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.NetworkNamespaces;
import io.tributary.broker.testing.WireClient;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;
import org.apache.kafka.common.requests.DescribeLogDirsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network partition: three broker processes, each on a host of its own ({@link NetworkNamespaces}: a Linux
 * network namespace per node, on one bridge, addresses in 198.51.100.0/24), and a partition with three replicas and
 * {@code min.insync.replicas=2} led by the active controller. An idempotent acks=all producer writes numbered
 * records to it while the leader is cut off from the other nodes and from the test's clients, which cuts its
 * replication, its heartbeats and the controller quorum's Raft traffic at once (LocalCluster's in-JVM cut leaves
 * Raft alone). The test shows that:
 *
 * <ul>
 *   <li>the isolated node, which still believes it leads, acknowledges no acks=all write: a Produce from a client
 *       on its side of the partition is appended and answered with an error, where the same request was
 *       acknowledged before the cut;</li>
 *   <li>the other two elect a new controller and a new partition leader between them, and the producer goes on;</li>
 *   <li>once the network is whole again, the old leader rejoins the ISR; with every node stopped, the partition's
 *       files on each node hold exactly the same records (offsets, leader epochs, keys, values), so what only the
 *       old leader had was truncated away;</li>
 *   <li>that log is every acknowledged record, once each, in the order acknowledged, and nothing else.</li>
 * </ul>
 *
 * <p>The test looks at each node's own view (Metadata, DescribeLogDirs, Produce sent to that node alone) through
 * {@link NetworkNamespaces#SIDE_ADDRESS}, which the cut leaves open. Needs root and {@code ip netns}; skipped (not
 * failed) where they are not available.
 */
class NamespaceIsolationTest {
    private static final String TOPIC = "partitioned";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final int NODES = 3;
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How long the old leader holds an acks=all Produce sent to it while cut off before it answers. */
    private static final int PRODUCE_TIMEOUT_MS = 3_000;

    @TempDir
    Path root;

    private NetworkNamespaces network;
    private final Map<Integer, BrokerProcess> nodes = new ConcurrentHashMap<>();

    @BeforeEach
    void createHosts() {
        network = NetworkNamespaces.create(NODES);
    }

    @AfterEach
    void removeEverything() throws Exception {
        try {
            for (BrokerProcess node : nodes.values()) {
                node.close();
            }
        } finally {
            if (network != null) {
                network.close();
            }
        }
    }

    @Test
    void anIsolatedLeaderAcknowledgesNothingAndTruncatesWhenItReturns() throws Exception {
        startCluster();
        String bootstrap = IntStream.rangeClosed(1, NODES).mapToObj(this::listener).collect(Collectors.joining(","));
        List<String> expected = new ArrayList<>();
        int isolated;
        try (Admin admin = Clients.admin(bootstrap)) {
            isolated = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
            var replicas = new ArrayList<Integer>(List.of(isolated));
            IntStream.rangeClosed(1, NODES).filter(id -> id != isolated).forEach(replicas::add);
            admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(PARTITION.partition(), replicas))
                    .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
        }
        List<Integer> others = IntStream.rangeClosed(1, NODES).filter(id -> id != isolated).boxed().toList();
        PartitionView first = awaitViews(List.of(1, 2, 3), "leader " + isolated + " and a full ISR",
                view -> view.leader() == isolated && view.isr().size() == NODES);

        try (WireClient wire = wire(isolated)) {
            assertThat(produce(wire, "before-cut")).as("acks=all to the leader before the cut").isEqualTo(Errors.NONE);
        }
        expected.addAll(List.of("before-cut-0", "before-cut-1", "before-cut-2"));
        var acknowledged = Collections.synchronizedList(new ArrayList<String>());
        var producing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(bootstrap, producing, acknowledged));
        awaitAcks(writer, acknowledged, 50);
        int controller;
        try (Admin admin = Clients.admin(bootstrap)) {
            controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        }

        long cutAt = System.nanoTime();
        network.cut(isolated);
        PartitionView elected = awaitViews(others, "a new leader on the majority side",
                view -> view.leaderEpoch() > first.leaderEpoch() && others.contains(view.leader()));
        long electedMs = msSince(cutAt);
        awaitAcks(writer, acknowledged, acknowledged.size() + 50);
        long producingAgainMs = msSince(cutAt);

        // Split brain from the old leader's side: cut off from the controller, it cannot learn that it was
        // replaced, yet it must not acknowledge: its followers no longer fetch from it, and only the controller
        // can shrink its ISR.
        PartitionView stale = viewOf(isolated);
        long sizeBefore = partitionBytes(isolated);
        Errors duringCut;
        try (WireClient wire = wire(isolated)) {
            duringCut = produce(wire, "during-cut");
        }
        assertThat(duringCut).as("acks=all to the isolated old leader (its view: %s)", stale)
                .isNotEqualTo(Errors.NONE);
        // It appended them, as a leader whose ISR is large enough does, so its copy now diverges from the new
        // leader's: what the file comparison below shows truncated.
        long sizeAfter = partitionBytes(isolated);
        assertThat(sizeAfter).as("the isolated old leader's copy, in bytes").isGreaterThan(sizeBefore);

        long healedAt = System.nanoTime();
        network.heal(isolated);
        awaitViews(List.of(1, 2, 3), "the old leader back in the ISR, every node agreeing",
                view -> view.leaderEpoch() >= elected.leaderEpoch() && view.isr().size() == NODES);
        long rejoinedMs = msSince(healedAt);
        awaitAcks(writer, acknowledged, acknowledged.size() + 20);
        producing.set(false);
        writer.get(120, TimeUnit.SECONDS);
        expected.addAll(acknowledged);

        // With all three in the ISR, a high watermark at the log end means every replica holds the whole log.
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap)) {
            await("the high watermark at the last acknowledged record").atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> consumer.endOffsets(List.of(PARTITION)).get(PARTITION) == expected.size());
        }
        awaitViews(List.of(1, 2, 3), "a full ISR", view -> view.isr().size() == NODES);
        assertThat(Clients.readToEnd(bootstrap, PARTITION, IsolationLevel.READ_UNCOMMITTED))
                .extracting(ConsumerRecord::value).as("the log: the acknowledged records, once each, in order")
                .containsExactlyElementsOf(expected);
        System.out.printf("Cut leader %d (active controller: %d): leader %d elected after %d ms, 50 more acks after"
                + " %d ms; the isolated leader (view %s) answered %s, its copy growing from %d to %d bytes; healed:"
                + " back in the ISR after %d ms; %d records%n", isolated, controller, elected.leader(), electedMs,
                producingAgainMs, stale, duringCut, sizeBefore, sizeAfter, rejoinedMs, expected.size());

        stopAll();
        Map<Integer, List<String>> logs = new HashMap<>();
        for (int id = 1; id <= NODES; id++) {
            logs.put(id, readLogFiles(id));
        }
        assertThat(logs.get(isolated)).extracting(entry -> entry.substring(entry.lastIndexOf(' ') + 1))
                .as("the old leader's log files, by value").containsExactlyElementsOf(expected);
        for (int id : others) {
            assertThat(logs.get(id)).as("node %d's log files against the old leader's", id)
                    .containsExactlyElementsOf(logs.get(isolated));
        }
    }

    private String listener(int id) {
        return network.address(id) + ":9092";
    }

    /** A connection to node {@code id} from the side address, which reaches it even while it is cut off. */
    private WireClient wire(int id) throws UnknownHostException {
        return WireClient.connect(listener(id), InetAddress.getByName(NetworkNamespaces.SIDE_ADDRESS));
    }

    /** The partition as one node's metadata has it: leader, leader epoch and ISR. */
    private record PartitionView(int leader, int leaderEpoch, List<Integer> isr) {
    }

    /** The size of node {@code id}'s copy of the partition, from DescribeLogDirs sent to it. */
    private long partitionBytes(int id) throws UnknownHostException {
        try (WireClient wire = wire(id)) {
            DescribeLogDirsResponse response = wire.send(new DescribeLogDirsRequest.Builder(
                    new DescribeLogDirsRequestData().setTopics(null)));
            return response.data().results().stream().flatMap(dir -> dir.topics().stream())
                    .filter(topic -> topic.name().equals(TOPIC)).flatMap(topic -> topic.partitions().stream())
                    .filter(partition -> partition.partitionIndex() == PARTITION.partition())
                    .mapToLong(DescribeLogDirsPartition::partitionSize).sum();
        }
    }

    /** Node {@code id}'s own view, from a Metadata request sent to it alone (a client would ask any node). */
    private PartitionView viewOf(int id) throws UnknownHostException {
        try (WireClient wire = wire(id)) {
            MetadataResponse response = wire.send(new MetadataRequest.Builder(List.of(TOPIC), false), (short) 12);
            MetadataResponsePartition partition = response.data().topics().find(TOPIC).partitions()
                    .get(PARTITION.partition());
            return new PartitionView(partition.leaderId(), partition.leaderEpoch(), List.copyOf(partition.isrNodes()));
        }
    }

    /** Waits until every node in {@code ids} has the same view and it satisfies {@code condition}; returns it. */
    private PartitionView awaitViews(List<Integer> ids, String what, Predicate<PartitionView> condition) {
        var views = new HashMap<Integer, PartitionView>();
        try {
            await(what).atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> {
                        for (int id : ids) {
                            views.put(id, viewOf(id));
                        }
                        return views.values().stream().distinct().count() == 1
                                && condition.test(views.get(ids.get(0)));
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("Timed out waiting for " + what + "; the nodes' views: " + views, e);
        }
        return views.get(ids.get(0));
    }

    private void startCluster() {
        String voters = IntStream.rangeClosed(1, NODES).mapToObj(id -> id + "@" + network.address(id) + ":9093")
                .collect(Collectors.joining(","));
        var starting = new ArrayList<CompletableFuture<Void>>();
        for (int id = 1; id <= NODES; id++) {
            int node = id;
            String address = network.address(node);
            var config = new HashMap<String, String>();
            config.put("node.id", String.valueOf(node));
            config.put("listeners", "PLAINTEXT://" + address + ":9092,CONTROLLER://" + address + ":9093");
            config.put("advertised.listeners", "PLAINTEXT://" + address + ":9092");
            config.put("controller.quorum.voters", voters);
            config.put("offsets.topic.num.partitions", "1");
            starting.add(CompletableFuture.runAsync(() -> nodes.put(node, BrokerProcess.start(
                    root.resolve("node-" + node), config, network.commandPrefix(node)))));
        }
        starting.forEach(CompletableFuture::join);
    }

    /** Stops every node at once (SIGTERM: each shuts down cleanly and closes its logs). */
    private void stopAll() {
        var stopping = new ArrayList<CompletableFuture<Integer>>();
        for (BrokerProcess node : nodes.values()) {
            stopping.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return node.terminate();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }));
        }
        stopping.forEach(CompletableFuture::join);
    }

    /** Node {@code id}'s copy of the partition, from its files: {@code offset epoch key value} per record. */
    private List<String> readLogFiles(int id) {
        Path dir = root.resolve("node-" + id).resolve(PartitionLog.dirName(PARTITION));
        var entries = new ArrayList<String>();
        try (PartitionLog log = PartitionLog.open(PARTITION, dir, LogConfig.of(Map.of(), Map.of()), 0, 0,
                (task, delayMs) -> { }, System.currentTimeMillis())) {
            for (RecordBatch batch : log.read(log.logStartOffset(), Integer.MAX_VALUE, log.logEndMetadata(), true)
                    .batches()) {
                for (Record record : batch) {
                    entries.add(record.offset() + " " + batch.partitionLeaderEpoch() + " "
                            + StandardCharsets.UTF_8.decode(record.key()) + " "
                            + StandardCharsets.UTF_8.decode(record.value()));
                }
            }
        }
        return entries;
    }

    /** Acks=all Produce of three records (values {@code <prefix>-0..2}) to the partition over {@code wire}. */
    private static Errors produce(WireClient wire, String prefix) {
        MemoryRecords records = KafkaFrames.records(Compression.NONE, prefix, 3);
        var partition = new ProduceRequestData.PartitionProduceData().setIndex(PARTITION.partition())
                .setRecords(records);
        var topic = new ProduceRequestData.TopicProduceData().setName(TOPIC).setPartitionData(List.of(partition));
        var topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(topic);
        ProduceResponse response = wire.send(ProduceRequest.builder(new ProduceRequestData().setAcks((short) -1)
                .setTimeoutMs(PRODUCE_TIMEOUT_MS).setTopicData(topics)), (short) 9);
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    private static void write(String bootstrap, AtomicBoolean producing, List<String> acknowledged) {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50,
                // The cut-off leader never answers: give up connecting to it within a second or two, not ten.
                ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 1_000,
                ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 2_000))) {
            for (int i = 0; producing.get(); i++) {
                String value = "v" + i;
                producer.send(new ProducerRecord<>(TOPIC, PARTITION.partition(), "k" + i, value))
                        .get(120, TimeUnit.SECONDS);
                acknowledged.add(value);
            }
        } catch (Exception e) {
            throw new IllegalStateException("The producer failed after " + acknowledged.size() + " records", e);
        }
    }

    private static void awaitAcks(CompletableFuture<Void> writer, List<String> acknowledged, int count) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (writer.isDone()) {
                writer.join();
            }
            return acknowledged.size() >= count;
        });
    }

    private static long msSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
