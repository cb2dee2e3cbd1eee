package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.CleanerConfig;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metadata.ClusterDefaults;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.MetadataRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.testing.ManualTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;

/**
 * One partition replicated over several nodes in one JVM: each node a real {@link ReplicaManager} over its own log
 * directory, all on one {@link ManualTime} (for {@code replica.lag.time.max.ms}) and one real timer (for produce
 * timeouts). A stand-in for the controller answers AlterPartition as the controller does (checks the leader and
 * partition epochs, bumps the partition epoch, answers with the new registration) and publishes each registration
 * to every node as a metadata image. Followers copy the leader's log through the leader's fetch path
 * ({@link #fetch}), as a replica fetcher would: append, take the high watermark and log start, or truncate on a
 * diverging epoch.
 */
final class ReplicaSet implements AutoCloseable {
    static final String TOPIC = "replicated";
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    static final long LAG_MS = 30_000;
    private static final int MAX_BYTES = 1024 * 1024;

    final ManualTime time = new ManualTime();
    final Uuid topicId = Uuid.randomUuid();
    final TopicIdPartition tip = new TopicIdPartition(topicId, TP);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Map<Integer, Node> nodes = new LinkedHashMap<>();
    private final Map<String, String> topicConfig;
    private final ConfigResolver configs = new ConfigResolver(
            new ClusterDefaults(0, 1, (short) 1, true, List.of(0), Map.of(), Map.of(), Set.of()));
    /** The controller's registration; what the nodes last saw may be older (see {@link #publish()}). */
    private PartitionRegistration registration;
    /** How the controller stand-in answers the next AlterPartition; null: applies it. */
    private volatile Function<List<Integer>, CompletableFuture<PartitionRegistration>> nextAnswer;
    final List<List<Integer>> proposals = new CopyOnWriteArrayList<>();

    /** A node: its replica manager and what its follower listener was told, in order. */
    record Node(LogManager logManager, ReplicaManager replicaManager, List<String> listened) {
    }

    ReplicaSet(Path dir, int nodeCount, Map<String, String> topicConfig) {
        this.topicConfig = topicConfig;
        for (int id = 0; id < nodeCount; id++) {
            var logManager = new LogManager(List.of(dir.resolve("node-" + id)), time, timer, CleanerConfig.defaults());
            var replicaManager = new ReplicaManager(id, logManager, new FetchPurgatory(timer),
                    new ProducePurgatory(timer), time, 1, LAG_MS, this::alterPartition);
            var listened = new CopyOnWriteArrayList<String>();
            replicaManager.followerListener(new FollowerListener() {
                @Override
                public void startFollowing(Collection<? extends FollowerReplica> replicas) {
                    replicas.forEach(r -> listened.add("follow " + r.leaderId() + " at " + r.leaderEpoch()));
                }

                @Override
                public void stopFollowing(Collection<TopicPartition> partitions) {
                    listened.add("stop");
                }
            });
            nodes.put(id, new Node(logManager, replicaManager, listened));
        }
    }

    /** Registers the partition (replicas, ISR, leader, epochs) and publishes it to every node. */
    ReplicaSet register(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch) {
        registration = new PartitionRegistration(replicas, isr, leader, leaderEpoch,
                registration == null ? 0 : registration.partitionEpoch() + 1);
        publish();
        return this;
    }

    /** A leader election as the controller makes one: {@code leader} at the next leader epoch, the ISR kept. */
    ReplicaSet elect(int leader, List<Integer> isr) {
        return register(registration.replicas(), isr, leader, registration.leaderEpoch() + 1);
    }

    /** Publishes the controller's current registration to every node, as a new metadata image. */
    void publish() {
        var records = new ArrayList<MetadataRecord>(List.of(new TopicRecord(TOPIC, topicId),
                new PartitionRecord(topicId, 0, registration.replicas(), registration.isr(), registration.leader(),
                        registration.leaderEpoch(), registration.partitionEpoch())));
        topicConfig.forEach((name, value) ->
                records.add(new ConfigRecord(ConfigResourceKind.TOPIC, TOPIC, name, value)));
        MetadataImage image = MetadataImage.EMPTY.apply(records);
        nodes.values().forEach(node -> node.replicaManager().applyImage(image, configs));
    }

    PartitionRegistration registration() {
        return registration;
    }

    /** Makes the next AlterPartition get {@code answer} instead of being applied. */
    void answerNextAlterPartition(Function<List<Integer>, CompletableFuture<PartitionRegistration>> answer) {
        nextAnswer = answer;
    }

    /**
     * The controller's side of AlterPartition: a stale leader epoch is FENCED_LEADER_EPOCH, a stale partition
     * epoch INVALID_UPDATE_VERSION; otherwise the ISR changes and the partition epoch moves up. The new registration
     * reaches the nodes with the next {@link #publish()}.
     */
    private synchronized CompletableFuture<PartitionRegistration> alterPartition(TopicIdPartition partition,
                                                                                 int leaderEpoch, int partitionEpoch,
                                                                                 List<Integer> newIsr) {
        assertThat(partition).isEqualTo(tip);
        proposals.add(newIsr);
        Function<List<Integer>, CompletableFuture<PartitionRegistration>> answer = nextAnswer;
        if (answer != null) {
            nextAnswer = null;
            return answer.apply(newIsr);
        }
        if (leaderEpoch != registration.leaderEpoch()) {
            return CompletableFuture.failedFuture(new FencedLeaderEpochException("stale leader epoch"));
        }
        if (partitionEpoch != registration.partitionEpoch()) {
            return CompletableFuture.failedFuture(new InvalidUpdateVersionException("stale partition epoch"));
        }
        registration = new PartitionRegistration(registration.replicas(), newIsr, registration.leader(),
                registration.leaderEpoch(), registration.partitionEpoch() + 1);
        return CompletableFuture.completedFuture(registration);
    }

    ReplicaManager replicaManager(int node) {
        return nodes.get(node).replicaManager();
    }

    Partition partition(int node) {
        return replicaManager(node).partition(TP);
    }

    List<String> listened(int node) {
        return nodes.get(node).listened();
    }

    /** Produces {@code values} as one plain batch through {@code node}'s produce path. */
    CompletableFuture<PartitionResponse> produce(int node, short acks, long timeoutMs, String... values) {
        return produce(node, acks, timeoutMs, MemoryRecords.withRecords(Compression.NONE, simple(values)));
    }

    CompletableFuture<PartitionResponse> produce(int node, short acks, long timeoutMs, MemoryRecords records) {
        return replicaManager(node).appendRecords(acks, timeoutMs, Map.of(TP, records),
                (producerId, epoch, partition) -> Errors.NONE).thenApply(responses -> responses.get(TP));
    }

    /** Records timestamped at the manual clock's start, so no segment rolls for their age. */
    static SimpleRecord[] simple(String... values) {
        long timestamp = new ManualTime().milliseconds();
        var records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(timestamp + i, "k".getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** {@code follower} fetches once from the current leader, without waiting, and applies the answer. */
    FetchResult fetch(int follower) {
        return apply(follower, fetchAsync(follower, 0).join());
    }

    /** {@code follower}'s fetch from the current leader as a replica fetcher sends it. */
    CompletableFuture<FetchResult> fetchAsync(int follower, long maxWaitMs) {
        Partition replica = partition(follower);
        var request = new FetchPartition(tip, replica.logEndOffset(), MAX_BYTES, replica.leaderEpoch(),
                replica.latestEpoch(), replica.logStartOffset());
        return replicaManager(registration.leader())
                .fetch(new FetchParams(follower, maxWaitMs, 1, MAX_BYTES, IsolationLevel.READ_UNCOMMITTED),
                        List.of(request))
                .thenApply(results -> results.get(tip));
    }

    /**
     * Applies a leader's answer as Kafka's fetcher does: records are appended and the high watermark and log start
     * taken; a diverging epoch truncates to the smaller of the leader's end offset and this log's end of that epoch.
     */
    FetchResult apply(int follower, FetchResult result) {
        Partition replica = partition(follower);
        assertThat(result.error()).as("fetch of node %d", follower).isEqualTo(Errors.NONE);
        if (result.divergingEpoch() != null) {
            FollowerReplica.EpochEndOffset own = replica.endOffsetForEpoch(result.divergingEpoch().epoch());
            long truncateTo = own.endOffset() < 0 ? result.divergingEpoch().endOffset()
                    : Math.min(own.endOffset(), result.divergingEpoch().endOffset());
            replica.truncateTo(truncateTo);
            return result;
        }
        if (result.records().sizeInBytes() > 0) {
            replica.appendRecordsAsFollower(copy(result.records()));
        }
        replica.updateFollowerOffsets(result.highWatermark(), result.logStartOffset());
        return result;
    }

    /** Fetch rounds by every follower until each has the leader's log and high watermark (at most 10). */
    void replicateAll() {
        for (int round = 0; round < 10; round++) {
            boolean done = true;
            Partition leader = partition(registration.leader());
            for (int id : registration.replicas()) {
                if (id != registration.leader()) {
                    fetch(id);
                    done &= partition(id).logEndOffset() == leader.logEndOffset()
                            && partition(id).highWatermark() == leader.highWatermark();
                }
            }
            if (done && leader.highWatermark() == leader.logEndOffset()) {
                return;
            }
        }
        throw new AssertionError("replicas did not converge in 10 rounds");
    }

    static MemoryRecords copy(Records records) {
        if (records instanceof MemoryRecords memory) {
            return memory;
        }
        ByteBuffer buffer = ByteBuffer.allocate(records.sizeInBytes());
        try {
            ((FileRecords) records).readInto(buffer, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return MemoryRecords.readableRecords(buffer);
    }

    /** Every batch of {@code node}'s log as (base offset, last offset, partition leader epoch, producer id). */
    List<String> batches(int node) {
        var batches = new ArrayList<String>();
        partition(node).forEachBatch(batch -> batches.add(batch.baseOffset() + "-" + batch.lastOffset() + "@"
                + batch.partitionLeaderEpoch() + (batch.hasProducerId() ? " pid " + batch.producerId() : "")
                + (batch.isControlBatch() ? " marker" : "")));
        return batches;
    }

    /** The values {@code node}'s log holds, in offset order. */
    List<String> values(int node) {
        var values = new ArrayList<String>();
        partition(node).forEachBatch(batch -> {
            if (!batch.isControlBatch()) {
                for (Record record : batch) {
                    values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
                }
            }
        });
        return values;
    }

    /** Reads what a consumer of {@code node} gets from {@code offset}, read_uncommitted. */
    FetchResult consume(int node, long offset) {
        var params = new FetchParams(-1, 0, 1, MAX_BYTES, IsolationLevel.READ_UNCOMMITTED);
        return replicaManager(node).fetch(params, List.of(new FetchPartition(tip, offset, MAX_BYTES, -1))).join()
                .get(tip);
    }

    Set<Integer> isr(int node) {
        return new HashSet<>(partition(node).isr());
    }

    @Override
    public void close() throws InterruptedException {
        for (Node node : nodes.values()) {
            node.replicaManager().shutdown();
            node.logManager().close();
        }
        timer.shutdownNow();
        assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    static int count(Records records) {
        int count = 0;
        for (RecordBatch batch : records.batches()) {
            for (Record ignored : batch) {
                count++;
            }
        }
        return count;
    }
}
