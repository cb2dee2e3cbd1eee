package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tributary.broker.log.LeaderEpochCache;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.network.Endpoint;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.network.NodeClient;
import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follower side of replication against a real leader: node 1 of a {@link LocalCluster} leads partitions whose
 * replicas are nodes 1 and 2; node 2 is stopped, and this test takes its place: {@link ReplicaFetcherManager}
 * fetches as replica 2 over {@link NodeClient} into follower logs on disk ({@link LogFollower}, a
 * {@link FollowerReplica} over a real {@link PartitionLog}), while producers write to the leader with kafka-clients.
 * The follower must end up with the leader's batches byte for byte, and come back to the leader's log from every way
 * it can leave it. (A leader serves a replica fetch only to a replica of the partition, as Kafka's does, so the
 * follower must be one in the metadata.)
 */
class ReplicaFetcherTest {
    private static final int LEADER_NODE = 1;
    private static final int FOLLOWER_NODE = 2;
    private static final List<String> TOPICS = List.of("copied", "ahead", "deleted", "unfollowed", "cut", "probe",
            "session");
    private static final Duration CAUGHT_UP = Duration.ofSeconds(30);
    private static final long BACKOFF_MS = 300;
    private static final FetcherConfig CONFIG = new FetcherConfig(1, 1024 * 1024, 10 * 1024 * 1024, 200, 1,
            BACKOFF_MS);

    @TempDir
    static Path clusterDir;
    @TempDir
    Path followerDir;

    private static LocalCluster cluster;
    private static Admin admin;
    private static Map<String, Uuid> topicIds;
    private EventLoopGroup group;
    private NodeClient client;
    private ReplicaFetcherManager fetchers;
    private final AtomicBoolean linkCut = new AtomicBoolean();
    /** When each fetch went out while the link was cut (nanoTime). */
    private final List<Long> fetchesWhileCut = new CopyOnWriteArrayList<>();
    /** Every Fetch the follower sent: its session (KIP-227) and how many partitions it named. */
    private final List<Map.Entry<FetchMetadata, Integer>> fetchesSent = new CopyOnWriteArrayList<>();
    private final List<PartitionLog> logs = new ArrayList<>();
    private final List<KafkaProducer<String, String>> producers = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        var overrides = new HashMap<>(TestBroker.FAST_TRANSACTIONS);
        overrides.put("transaction.state.log.replication.factor", "1");
        overrides.put("transaction.state.log.min.isr", "1");
        overrides.put("replica.lag.time.max.ms", "1000");
        cluster = LocalCluster.start(3, clusterDir, overrides);
        admin = Clients.admin(cluster.bootstrapServers());
        var topics = new ArrayList<NewTopic>();
        for (String topic : TOPICS) {
            int partitions = topic.equals("unfollowed") ? 2 : topic.equals("session") ? 3 : 1;
            var assignment = new HashMap<Integer, List<Integer>>();
            for (int p = 0; p < partitions; p++) {
                assignment.put(p, List.of(LEADER_NODE, FOLLOWER_NODE));
            }
            topics.add(new NewTopic(topic, assignment));
        }
        admin.createTopics(topics).all().get();
        topicIds = new HashMap<>();
        admin.describeTopics(TOPICS).allTopicNames().get().forEach((name, description) ->
                topicIds.put(name, description.topicId()));
        // Node 2 leaves; this test fetches in its place. The leader stops waiting for it once it is out of the ISR.
        cluster.stop(FOLLOWER_NODE);
        LocalCluster.awaitCondition(Duration.ofSeconds(60), "node 2 to leave every ISR", () -> {
            MetadataImage image = cluster.node(LEADER_NODE).metadataImage();
            return TOPICS.stream().allMatch(topic -> image.topic(topic).partitions().values().stream()
                    .allMatch(partition -> partition.leader() == LEADER_NODE
                            && partition.isr().equals(List.of(LEADER_NODE))));
        });
        // Node 2 fetched until it stopped, and a leader waits for a replica that caught up within
        // replica.lag.time.max.ms (one about to join the ISR) before it moves its high watermark. Records written
        // once that has passed are committed by the leader alone, as a probe shows.
        var probe = new TopicPartition("probe", 0);
        try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false))) {
            long[] sent = {0};
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                producer.send(new ProducerRecord<>(probe.topic(), 0, "probe", "probe")).get();
                sent[0]++;
                return leaderOffset(probe, OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED) == sent[0];
            });
        }
    }

    @AfterAll
    static void stopCluster() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        client = new NodeClient("replica-fetcher-test", FOLLOWER_NODE, group, Duration.ofSeconds(5),
                Duration.ofSeconds(3), (from, to) -> !(linkCut.get() && (from == LEADER_NODE || to == LEADER_NODE)));
        InterBrokerSender sender = (nodeId, request) -> {
            if (linkCut.get() && request.apiKey() == ApiKeys.FETCH) {
                fetchesWhileCut.add(System.nanoTime());
            }
            if (request instanceof FetchRequest.Builder fetch) {
                fetchesSent.add(Map.entry(fetch.metadata(), fetch.fetchData().size()));
            }
            return client.send(new Endpoint(nodeId, "127.0.0.1", cluster.node(nodeId).port()), request);
        };
        fetchers = new ReplicaFetcherManager(FOLLOWER_NODE, () -> -1L, CONFIG, sender);
    }

    @AfterEach
    void stop() throws Exception {
        fetchers.close();
        client.close();
        producers.forEach(KafkaProducer::close);
        logs.forEach(PartitionLog::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
    }

    // ---- the leader ----

    private KafkaProducer<String, String> producer(Map<String, Object> overrides) {
        var producer = Clients.producer(cluster.bootstrapServers(), overrides);
        producers.add(producer);
        return producer;
    }

    /** An idempotent producer that sends each flush as one batch. */
    private KafkaProducer<String, String> batchingProducer() {
        return producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 60_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000));
    }

    /**
     * A producer that needs only the leader's own append (acks=1), for records written while the follower does not
     * fetch: with acks=all the leader may wait for a replica that caught up a moment ago (Kafka's leader waits for one
     * about to join the ISR) and no longer fetches.
     */
    private KafkaProducer<String, String> leaderOnlyProducer() {
        return producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.LINGER_MS_CONFIG, 60_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000));
    }

    /** Sends {@code count} records to {@code partition} as one batch and waits for them. */
    private static void sendBatch(KafkaProducer<String, String> producer, TopicPartition partition, int count,
                                  String prefix) {
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), prefix + i, prefix + i));
        }
        producer.flush();
    }

    /**
     * A transactional id whose coordinator is the partition leader, node 1: this test is about the follower, and
     * keeps the leader's transaction checks on one node.
     */
    private String transactionalIdCoordinatedByTheLeader() throws Exception {
        for (int i = 0; i < 100; i++) {
            String id = "copied-txn-" + i;
            var request = new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id())
                    .setCoordinatorKeys(List.of(id)));
            int[] coordinator = {-1};
            await().atMost(CAUGHT_UP).until(() -> {
                var response = (FindCoordinatorResponse) client.send(leaderEndpoint(), request)
                        .get(10, TimeUnit.SECONDS);
                var answer = response.data().coordinators().get(0);
                coordinator[0] = answer.nodeId();
                return answer.errorCode() == Errors.NONE.code();
            });
            if (coordinator[0] == LEADER_NODE) {
                return id;
            }
        }
        throw new AssertionError("No transactional id of 100 is coordinated by node " + LEADER_NODE);
    }

    private static Uuid createTopic(String topic, int partitions) {
        // Created before node 2 stopped (see startCluster): a replica must be a registered broker.
        assertThat(TOPICS).contains(topic);
        return topicIds.get(topic);
    }

    private int leaderEpoch(TopicPartition partition) throws Exception {
        MetadataResponse metadata = (MetadataResponse) client.send(leaderEndpoint(), new MetadataRequest.Builder(
                new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
                        .setName(partition.topic()))))).get(10, TimeUnit.SECONDS);
        return metadata.topicMetadata().iterator().next().partitionMetadata().stream()
                .filter(p -> p.partition() == partition.partition()).findFirst().orElseThrow()
                .leaderEpoch.orElseThrow();
    }

    private static Endpoint leaderEndpoint() {
        return new Endpoint(LEADER_NODE, "127.0.0.1", cluster.node(LEADER_NODE).port());
    }

    private static long leaderOffset(TopicPartition partition, OffsetSpec spec, IsolationLevel isolation) throws Exception {
        return admin.listOffsets(Map.of(partition, spec), new ListOffsetsOptions(isolation)).partitionResult(partition)
                .get().offset();
    }

    /** The leader's log end, once no transaction is open and the high watermark is there. */
    private static long settledLeaderEnd(TopicPartition partition) throws Exception {
        long[] end = new long[1];
        await().atMost(CAUGHT_UP).until(() -> {
            end[0] = leaderOffset(partition, OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED);
            return leaderOffset(partition, OffsetSpec.latest(), IsolationLevel.READ_COMMITTED) == end[0];
        });
        return end[0];
    }

    /** The leader's record batches from {@code from} to its end, as it sends them to a consumer. */
    private ByteBuffer leaderBytes(TopicPartition partition, Uuid topicId, long from, long end) throws Exception {
        var out = new ByteArrayOutputStream();
        long offset = from;
        while (offset < end) {
            var fetchData = new LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
            fetchData.put(partition, new FetchRequest.PartitionData(topicId, offset, 0, 10 * 1024 * 1024,
                    Optional.empty()));
            FetchResponse response = (FetchResponse) client.send(leaderEndpoint(),
                    FetchRequest.Builder.forConsumer(ApiKeys.FETCH.latestVersion(), 0, 0, fetchData))
                    .get(10, TimeUnit.SECONDS);
            var data = response.data().responses().get(0).partitions().get(0);
            MemoryRecords records = (MemoryRecords) FetchResponse.recordsOrFail(data);
            assertThat(records.sizeInBytes()).as("the leader has records from %s", offset).isPositive();
            // Whole batches only: a batch cut off by the size limit comes whole next time.
            int wholeBytes = 0;
            for (RecordBatch batch : records.batches()) {
                wholeBytes += batch.sizeInBytes();
                offset = batch.nextOffset();
            }
            var bytes = new byte[wholeBytes];
            records.buffer().duplicate().get(bytes);
            out.write(bytes);
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    // ---- the follower ----

    private LogFollower follower(TopicPartition partition, Uuid topicId) throws Exception {
        PartitionLog log = PartitionLog.open(partition, followerDir.resolve(PartitionLog.dirName(partition)),
                LogConfig.of(Map.of(), Map.of()), 0, 0, (task, delayMs) -> task.run(), System.currentTimeMillis());
        logs.add(log);
        return new LogFollower(log, topicId, LEADER_NODE, leaderEpoch(partition));
    }

    private static ByteBuffer followerBytes(LogFollower follower, long from) throws IOException {
        Records records = follower.log.read(from, Integer.MAX_VALUE, follower.log.logEndMetadata(), true);
        ByteBuffer bytes = ByteBuffer.allocate(records.sizeInBytes());
        if (records instanceof FileRecords file) {
            file.readInto(bytes, 0);
        }
        return bytes;
    }

    private static void awaitLogEnd(LogFollower follower, long end) {
        await().atMost(CAUGHT_UP).until(() -> follower.logEndOffset() == end);
    }

    private static List<RecordBatch> batches(ByteBuffer bytes) {
        var batches = new ArrayList<RecordBatch>();
        MemoryRecords.readableRecords(bytes.duplicate()).batches().forEach(batches::add);
        return batches;
    }

    // ---- tests ----

    @Test
    void followerCopiesIdempotentAndTransactionalBatchesAsTheLeaderWroteThem() throws Exception {
        var partition = new TopicPartition("copied", 0);
        Uuid topicId = createTopic(partition.topic(), 1);
        LogFollower follower = follower(partition, topicId);
        fetchers.follow(follower);

        KafkaProducer<String, String> idempotent = batchingProducer();
        for (int i = 0; i < 5; i++) {
            sendBatch(idempotent, partition, 1 + i, "i" + i + "-");
        }
        KafkaProducer<String, String> transactional = producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalIdCoordinatedByTheLeader(),
                ProducerConfig.LINGER_MS_CONFIG, 0));
        transactional.initTransactions();
        transactional.beginTransaction();
        sendBatch(transactional, partition, 3, "committed-");
        transactional.commitTransaction();
        transactional.beginTransaction();
        sendBatch(transactional, partition, 2, "aborted-");
        transactional.abortTransaction();
        long end = settledLeaderEnd(partition);
        awaitLogEnd(follower, end);

        ByteBuffer leaderBytes = leaderBytes(partition, topicId, 0, end);
        assertThat(followerBytes(follower, 0)).isEqualTo(leaderBytes);
        List<RecordBatch> batches = batches(leaderBytes);
        assertThat(batches).extracting(RecordBatch::producerId).doesNotContain(RecordBatch.NO_PRODUCER_ID);
        assertThat(batches).filteredOn(RecordBatch::isControlBatch).hasSize(2);
        assertThat(batches).filteredOn(RecordBatch::isTransactional).hasSizeGreaterThanOrEqualTo(4);
        assertThat(follower.log.epochs().entries())
                .containsExactly(new LeaderEpochCache.EpochEntry(follower.leaderEpoch(), 0));
        assertThat(follower.highWatermark).isEqualTo(end);
    }

    @Test
    void aFollowerAheadOfItsLeaderTruncatesItsTailAndFollowsOn() throws Exception {
        var partition = new TopicPartition("ahead", 0);
        Uuid topicId = createTopic(partition.topic(), 1);
        KafkaProducer<String, String> producer = leaderOnlyProducer();
        sendBatch(producer, partition, 10, "a");
        LogFollower follower = follower(partition, topicId);
        fetchers.follow(follower);
        awaitLogEnd(follower, 10);
        fetchers.unfollow(partition);
        // A tail the leader never had, as a replica that led without its writes reaching anyone would keep.
        MemoryRecords tail = MemoryRecords.withRecords(10, Compression.NONE,
                new SimpleRecord("x".getBytes()), new SimpleRecord("y".getBytes()));
        tail.batches().iterator().next().setPartitionLeaderEpoch(follower.leaderEpoch());
        follower.appendRecordsAsFollower(tail);

        fetchers.follow(follower);

        // Either way the leader answers (diverging epoch, or offset out of range and its log end), the tail goes.
        await().atMost(CAUGHT_UP).until(() -> follower.truncations.contains(10L));
        assertThat(follower.logEndOffset()).isEqualTo(10);
        sendBatch(producer, partition, 3, "b");
        awaitLogEnd(follower, 13);
        assertThat(followerBytes(follower, 0)).isEqualTo(leaderBytes(partition, topicId, 0, 13));
    }

    @Test
    void aFollowerBelowTheLeadersLogStartStartsOverAtIt() throws Exception {
        var partition = new TopicPartition("deleted", 0);
        Uuid topicId = createTopic(partition.topic(), 1);
        KafkaProducer<String, String> producer = leaderOnlyProducer();
        sendBatch(producer, partition, 4, "a"); // offsets 0..3
        sendBatch(producer, partition, 4, "b"); // 4..7
        sendBatch(producer, partition, 4, "c"); // 8..11
        // DeleteRecords goes no further than the high watermark, which acks=1 does not wait for.
        await().atMost(CAUGHT_UP).until(() ->
                leaderOffset(partition, OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED) == 12);
        admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(6))).all().get();
        LogFollower follower = follower(partition, topicId);

        fetchers.follow(follower);

        // Out of range at 0: the log starts over at the leader's log start, 6, and then at 4, where the batch
        // holding 6 starts; the leader's log start comes with the data.
        awaitLogEnd(follower, 12);
        await().atMost(CAUGHT_UP).until(() -> follower.logStartOffset() == 6);
        assertThat(follower.fullTruncations).containsExactly(6L, 4L);
        assertThat(followerBytes(follower, 6)).isEqualTo(leaderBytes(partition, topicId, 6, 12));
        assertThat(batches(followerBytes(follower, 6))).extracting(RecordBatch::baseOffset).containsExactly(4L, 8L);
    }

    @Test
    void theFollowerFetchesInAnIncrementalSessionNamingOnlyPartitionsThatMoved() throws Exception {
        String topic = "session";
        Uuid topicId = createTopic(topic, 3);
        KafkaProducer<String, String> producer = leaderOnlyProducer();
        var followers = new ArrayList<LogFollower>();
        for (int partition = 0; partition < 3; partition++) {
            LogFollower follower = follower(new TopicPartition(topic, partition), topicId);
            followers.add(follower);
            fetchers.follow(follower);
        }
        var busy = new TopicPartition(topic, 1);
        sendBatch(producer, busy, 5, "b0-");
        awaitLogEnd(followers.get(1), 5);
        assertThat(fetchesSent).first().satisfies(first -> assertThat(first.getKey().isFull()).isTrue());
        int settled = fetchesSent.size();
        for (int i = 2; i <= 4; i++) {
            sendBatch(producer, busy, 5, "b" + i + "-");
            awaitLogEnd(followers.get(1), 5L * i);
        }

        // Once all three are in the session the leader opened, rounds are incremental and name at most the one
        // partition whose position moved.
        List<Map.Entry<FetchMetadata, Integer>> later = fetchesSent.subList(settled, fetchesSent.size());
        assertThat(later).isNotEmpty().allSatisfy(fetch -> {
            assertThat(fetch.getKey().isFull()).isFalse();
            assertThat(fetch.getKey().sessionId()).isNotZero();
            assertThat(fetch.getValue()).isLessThanOrEqualTo(1);
        });
        assertThat(followers.get(0).logEndOffset()).isZero();
        assertThat(followers.get(2).logEndOffset()).isZero();
    }

    @Test
    void anUnfollowedPartitionIsNotTouchedAfterUnfollowReturns() throws Exception {
        String topic = "unfollowed";
        Uuid topicId = createTopic(topic, 2);
        var stopped = new TopicPartition(topic, 0);
        var continued = new TopicPartition(topic, 1);
        KafkaProducer<String, String> producer = leaderOnlyProducer();
        LogFollower stoppedFollower = follower(stopped, topicId);
        LogFollower continuedFollower = follower(continued, topicId);
        fetchers.follow(stoppedFollower);
        fetchers.follow(continuedFollower);
        sendBatch(producer, stopped, 5, "s");
        sendBatch(producer, continued, 5, "c");
        awaitLogEnd(stoppedFollower, 5);
        awaitLogEnd(continuedFollower, 5);

        fetchers.unfollow(stopped);
        stoppedFollower.unfollowed.set(true);

        // New records for both; the same fetcher thread fetches the second partition after the first got its new
        // records, so once the second has its own, the first would have been fetched too if it were followed.
        sendBatch(producer, stopped, 5, "s");
        sendBatch(producer, continued, 5, "c");
        awaitLogEnd(continuedFollower, 10);
        assertThat(stoppedFollower.logEndOffset()).isEqualTo(5);
        assertThat(stoppedFollower.callsAfterUnfollow.get()).isZero();
        assertThat(fetchers.followedByLeader()).containsExactly(Map.entry(LEADER_NODE, Set.of(continued)));
    }

    @Test
    void aCutLinkBacksTheFetcherOffAndItCatchesUpOnceMended() throws Exception {
        var partition = new TopicPartition("cut", 0);
        Uuid topicId = createTopic(partition.topic(), 1);
        KafkaProducer<String, String> producer = leaderOnlyProducer();
        LogFollower follower = follower(partition, topicId);
        fetchers.follow(follower);
        sendBatch(producer, partition, 5, "a");
        awaitLogEnd(follower, 5);

        linkCut.set(true);
        sendBatch(producer, partition, 5, "b");

        // The fetch in flight is lost and times out; each later one fails to connect, a backoff apart.
        await().atMost(CAUGHT_UP).until(() -> fetchesWhileCut.size() >= 4);
        assertThat(follower.logEndOffset()).isEqualTo(5);
        List<Long> attempts = new ArrayList<>(fetchesWhileCut);
        for (int i = 1; i < attempts.size(); i++) {
            assertThat(TimeUnit.NANOSECONDS.toMillis(attempts.get(i) - attempts.get(i - 1)))
                    .as("gap before fetch %s while the link is cut", i).isGreaterThanOrEqualTo(BACKOFF_MS);
        }

        linkCut.set(false);
        awaitLogEnd(follower, 10);
        assertThat(followerBytes(follower, 0)).isEqualTo(leaderBytes(partition, topicId, 0, 10));
    }

    @Test
    void truncationFollowsKafkasRulesForADivergingEpoch() {
        // The follower knows the leader's epoch 3: where the first of the two logs ends it.
        assertThat(ReplicaFetcher.truncationOffset(3, 120, new FollowerReplica.EpochEndOffset(3, 150), 200))
                .isEqualTo(120);
        assertThat(ReplicaFetcher.truncationOffset(3, 180, new FollowerReplica.EpochEndOffset(3, 150), 200))
                .isEqualTo(150);
        // It knows only a lower epoch: that epoch's end here; the next fetch compares again.
        assertThat(ReplicaFetcher.truncationOffset(3, 120, new FollowerReplica.EpochEndOffset(2, 90), 200))
                .isEqualTo(90);
        // It knows no epoch at or below: the leader's end.
        assertThat(ReplicaFetcher.truncationOffset(3, 120, new FollowerReplica.EpochEndOffset(-1, -1), 200))
                .isEqualTo(120);
        // Never past its own log end.
        assertThat(ReplicaFetcher.truncationOffset(3, 300, new FollowerReplica.EpochEndOffset(3, 260), 250))
                .isEqualTo(250);
        assertThat(ReplicaFetcher.truncationOffset(3, 300, new FollowerReplica.EpochEndOffset(-1, -1), 250))
                .isEqualTo(250);
    }

    /**
     * A {@link FollowerReplica} over a real partition log, as a partition this node follows would be: it keeps the
     * leader's high watermark and log start, and records the truncations it was asked for and any call that comes
     * after the test stopped following it.
     */
    static final class LogFollower implements FollowerReplica {
        final PartitionLog log;
        private final Uuid topicId;
        private final int leaderId;
        private final int leaderEpoch;
        volatile long highWatermark;
        final List<Long> truncations = new CopyOnWriteArrayList<>();
        final List<Long> fullTruncations = new CopyOnWriteArrayList<>();
        final AtomicBoolean unfollowed = new AtomicBoolean();
        final AtomicInteger callsAfterUnfollow = new AtomicInteger();

        LogFollower(PartitionLog log, Uuid topicId, int leaderId, int leaderEpoch) {
            this.log = log;
            this.topicId = topicId;
            this.leaderId = leaderId;
            this.leaderEpoch = leaderEpoch;
        }

        private void changing() {
            if (unfollowed.get()) {
                callsAfterUnfollow.incrementAndGet();
            }
        }

        @Override
        public TopicPartition topicPartition() {
            return log.topicPartition();
        }

        @Override
        public Uuid topicId() {
            return topicId;
        }

        @Override
        public int leaderEpoch() {
            return leaderEpoch;
        }

        @Override
        public int leaderId() {
            return leaderId;
        }

        @Override
        public long logStartOffset() {
            return log.logStartOffset();
        }

        @Override
        public long logEndOffset() {
            return log.logEndOffset();
        }

        @Override
        public int latestEpoch() {
            return log.epochs().latestEpoch();
        }

        @Override
        public EpochEndOffset endOffsetForEpoch(int epoch) {
            LeaderEpochCache.EpochEntry end = log.epochs().endOffsetFor(epoch, log.logEndOffset());
            return new EpochEndOffset(end.epoch(), end.startOffset());
        }

        @Override
        public long appendRecordsAsFollower(MemoryRecords records) {
            changing();
            log.appendAsFollower(records);
            return log.logEndOffset();
        }

        @Override
        public void updateFollowerOffsets(long leaderHighWatermark, long leaderLogStartOffset) {
            changing();
            highWatermark = Math.min(leaderHighWatermark, log.logEndOffset());
            if (leaderLogStartOffset > log.logStartOffset()) {
                log.advanceLogStartOffset(leaderLogStartOffset);
            }
        }

        @Override
        public void truncateTo(long offset) {
            changing();
            truncations.add(offset);
            log.truncateTo(offset);
        }

        @Override
        public void truncateFullyAndStartAt(long offset) {
            changing();
            fullTruncations.add(offset);
            log.truncateFullyAndStartAt(offset);
        }
    }
}
