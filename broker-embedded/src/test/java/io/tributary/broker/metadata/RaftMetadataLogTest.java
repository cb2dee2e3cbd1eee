package io.tributary.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import io.tributary.broker.server.FreePorts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller quorum on Ratis, three voters in one JVM on loopback: one of them becomes the active controller,
 * what it appends reaches every voter's image in order, the others reach it by forwarding, a new leader takes over
 * when it stops, a returning voter catches up (from a snapshot when the log it missed was purged), and a single
 * voter elects itself at once.
 */
class RaftMetadataLogTest {
    private static final RaftMetadataLog.Settings FAST = new RaftMetadataLog.Settings(Duration.ofMillis(300),
            Duration.ofSeconds(10), 5, Duration.ofSeconds(30));

    @TempDir
    Path root;

    private final Map<Integer, RaftMetadataLog> logs = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Integer, ImageApplier> appliers = new java.util.concurrent.ConcurrentHashMap<>();
    private List<RaftMetadataLog.Voter> voters;

    @AfterEach
    void closeAll() {
        logs.values().forEach(RaftMetadataLog::close);
    }

    /** Applies batches to an image; answers forwarded requests with its node id and the request's text. */
    private static final class ImageApplier implements MetadataLog.Applier {
        private final int nodeId;
        private volatile MetadataImage image = MetadataImage.EMPTY;
        private final List<String> applied = new ArrayList<>();

        ImageApplier(int nodeId) {
            this.nodeId = nodeId;
        }

        @Override
        public synchronized void replace(List<MetadataRecord> snapshot) {
            image = MetadataImage.EMPTY.apply(snapshot);
            applied.clear();
            image.topicsByName().keySet().stream().sorted().forEach(applied::add);
        }

        @Override
        public synchronized void apply(List<MetadataRecord> batch) {
            image = image.apply(batch);
            for (MetadataRecord record : batch) {
                if (record instanceof TopicRecord topic) {
                    applied.add(topic.name());
                }
            }
        }

        synchronized List<String> applied() {
            return List.copyOf(applied);
        }

        @Override
        public List<MetadataRecord> snapshot() {
            return image.toRecords();
        }

        @Override
        public CompletableFuture<ByteBuffer> handleForwarded(ByteBuffer request) {
            String text = StandardCharsets.UTF_8.decode(request).toString();
            return CompletableFuture.completedFuture(
                    ByteBuffer.wrap((nodeId + ":" + text).getBytes(StandardCharsets.UTF_8)));
        }
    }

    private void quorum(int size) throws IOException {
        voters = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            voters.add(new RaftMetadataLog.Voter(id, "127.0.0.1", FreePorts.next()));
        }
    }

    /** Starts one member; it returns once it caught up with the quorum, so a lone member needs the others. */
    private RaftMetadataLog start(int id) {
        var applier = new ImageApplier(id);
        var log = new RaftMetadataLog(id, voters, null, root.resolve("node-" + id), "test-cluster", FAST);
        synchronized (this) {
            logs.put(id, log);
            appliers.put(id, applier);
        }
        log.start(applier);
        return log;
    }

    /** Starts the members at once, as a cluster's nodes start. */
    private void startAll(int... ids) {
        var starting = new ArrayList<CompletableFuture<RaftMetadataLog>>();
        for (int id : ids) {
            starting.add(CompletableFuture.supplyAsync(() -> start(id)));
        }
        starting.forEach(CompletableFuture::join);
    }

    private RaftMetadataLog awaitActive() {
        return await().atMost(20, TimeUnit.SECONDS).until(() -> logs.values().stream()
                .filter(RaftMetadataLog::isActive).findFirst().orElse(null), log -> log != null);
    }

    private static List<MetadataRecord> topic(String name) {
        return List.of(new TopicRecord(name, Uuid.randomUuid()));
    }

    @Test
    void theActiveControllersAppendsReachEveryVoterInOrderAndOthersForwardToIt() throws Exception {
        quorum(3);
        startAll(1, 2, 3);
        RaftMetadataLog active = awaitActive();
        int leader = active.activeControllerId();
        for (int i = 0; i < 10; i++) {
            active.append(topic("t" + i));
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("t" + i);
        }
        assertThat(appliers.get(leader).applied()).isEqualTo(expected);
        for (int id = 1; id <= 3; id++) {
            int node = id;
            await().atMost(10, TimeUnit.SECONDS).until(() -> appliers.get(node).applied().equals(expected));
            assertThat(logs.get(id).activeControllerId()).isEqualTo(leader);
        }
        int follower = leader == 1 ? 2 : 1;
        assertThat(logs.get(follower).isActive()).isFalse();
        ByteBuffer answer = logs.get(follower).forward(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)))
                .get(10, TimeUnit.SECONDS);
        assertThat(StandardCharsets.UTF_8.decode(answer).toString()).isEqualTo(leader + ":hello");
        assertThat(active.quorumState().leaderId()).isEqualTo(leader);
        assertThat(active.quorumState().voters()).extracting(QuorumState.Replica::nodeId).containsExactly(1, 2, 3);
    }

    @Test
    void aNewLeaderTakesOverAndAReturningVoterCatchesUpFromASnapshot() throws Exception {
        quorum(3);
        startAll(1, 2, 3);
        RaftMetadataLog first = awaitActive();
        int firstLeader = first.activeControllerId();
        first.append(topic("before"));
        logs.remove(firstLeader).close();

        RaftMetadataLog second = awaitActive();
        assertThat(second.activeControllerId()).isNotEqualTo(firstLeader);
        // More entries than the snapshot interval: the returning voter cannot get them from the log alone.
        var expected = new ArrayList<>(List.of("before"));
        for (int i = 0; i < 20; i++) {
            second.append(topic("after" + i));
            expected.add("after" + i);
        }
        start(firstLeader);
        await().atMost(20, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(appliers.get(firstLeader).applied()).containsExactlyInAnyOrderElementsOf(expected));
        assertThat(appliers.get(firstLeader).image.topicsByName().keySet())
                .isEqualTo(appliers.get(second.activeControllerId()).image.topicsByName().keySet());

        // A restart of the whole quorum rebuilds the same image from snapshot and log.
        var before = appliers.get(second.activeControllerId()).image.topicsByName().keySet();
        logs.values().forEach(RaftMetadataLog::close);
        logs.clear();
        startAll(1, 2, 3);
        awaitActive();
        for (int id = 1; id <= 3; id++) {
            int node = id;
            await().atMost(10, TimeUnit.SECONDS).until(() -> appliers.get(node).image.topicsByName().keySet()
                    .equals(before));
        }
    }

    @Test
    void aSingleVoterElectsItselfAtOnce() throws Exception {
        quorum(1);
        long startNanos = System.nanoTime();
        RaftMetadataLog only = start(1);
        awaitActiveWithin(only, Duration.ofSeconds(5));
        long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
        only.append(topic("a"));
        assertThat(appliers.get(1).applied()).containsExactly("a");
        System.out.println("Single voter: started and active in " + elapsedMs + " ms");
    }

    private static void awaitActiveWithin(RaftMetadataLog log, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(1)).until(log::isActive);
    }
}
