package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow disk delays only disk work (issue 14 fault 11): while every I/O thread is stuck in a flush, a long-poll
 * fetch still expires at its {@code fetch.max.wait.ms} and a consumer group's session timer still evicts a member
 * that stopped heartbeating. The stall is injected through the broker's I/O test hook, which holds each I/O task
 * (time-based flush, retention, checkpoint, fsync of rolled segments, deletes) until the test lets go; the
 * retention, flush and checkpoint intervals are short so that every I/O thread is caught at once.
 */
class SlowIoTimersTest {
    private static final int IO_THREADS = 2;
    /** How late a timer may fire on a loaded 2-core machine; a timer behind the stalled I/O would never fire. */
    private static final Duration LATENESS = Duration.ofMillis(1_500);

    @TempDir
    Path dataDir;

    private final StalledDisk disk = new StalledDisk();
    private TestBroker broker;

    @BeforeEach
    void startBrokerWithStalledDisk() throws Exception {
        var config = new HashMap<String, Object>(TestBroker.FAST_GROUPS);
        config.put("background.threads", String.valueOf(IO_THREADS));
        config.put("log.flush.scheduler.interval.ms", "20");
        config.put("log.retention.check.interval.ms", "20");
        config.put("log.flush.offset.checkpoint.interval.ms", "20");
        broker = TestBroker.start(dataDir, config);
        Clients.createTopic(broker.bootstrapServers(), "quiet", 1, Map.of());
        broker.broker().beforeEachIoTask(disk);
        await().atMost(Duration.ofSeconds(10)).until(() -> disk.stalled.get() >= IO_THREADS);
    }

    @AfterEach
    void releaseDiskAndStop() {
        disk.release.countDown();
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void delayedFetchExpiresOnTimeWhileEveryIoThreadIsStuck() {
        int maxWaitMs = 500;
        var partitions = Map.of(new TopicPartition("quiet", 0),
                new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, -1, 1024, Optional.empty()));
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            long startNanos = System.nanoTime();
            FetchResponse response = wire.send(FetchRequest.Builder.forConsumer((short) 12, maxWaitMs,
                    Integer.MAX_VALUE, partitions), (short) 12);
            long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;

            assertThat(response.error()).isEqualTo(Errors.NONE);
            assertThat(elapsedMs).as("answered at fetch.max.wait.ms, ms").isGreaterThanOrEqualTo(maxWaitMs - 50)
                    .isLessThan(maxWaitMs + LATENESS.toMillis());
        }
        assertThat(disk.release.getCount()).as("the disk was stuck throughout").isEqualTo(1);
    }

    @Test
    void groupSessionTimerEvictsASilentMemberWhileEveryIoThreadIsStuck() {
        int sessionTimeoutMs = 1_000;
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                FindCoordinatorResponse find = wire.send(new FindCoordinatorRequest.Builder(
                        new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of("silent"))));
                return find.data().coordinators().get(0).errorCode() == Errors.NONE.code();
            });
            long joinNanos = System.nanoTime();
            var protocols = new JoinGroupRequestProtocolCollection();
            protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {0, 1}));
            // v3: the member id is assigned without the MEMBER_ID_REQUIRED round trip; the first rebalance of the
            // group completes on the (zero) initial-delay timer.
            JoinGroupResponse join = wire.send(new JoinGroupRequest.Builder(new JoinGroupRequestData()
                    .setGroupId("silent").setMemberId("").setSessionTimeoutMs(sessionTimeoutMs)
                    .setRebalanceTimeoutMs(5_000).setProtocolType("consumer").setProtocols(protocols)), (short) 3);
            assertThat(join.error()).isEqualTo(Errors.NONE);
            String memberId = join.data().memberId();
            SyncGroupResponse sync = wire.send(new SyncGroupRequest.Builder(new SyncGroupRequestData()
                    .setGroupId("silent").setMemberId(memberId).setGenerationId(join.data().generationId())
                    .setAssignments(List.of(new SyncGroupRequestAssignment().setMemberId(memberId)
                            .setAssignment(new byte[] {0})))), (short) 3);
            assertThat(sync.error()).isEqualTo(Errors.NONE);

            // No heartbeat from here on: the session timer must evict the member.
            await().atMost(Duration.ofMillis(sessionTimeoutMs).plus(LATENESS)).pollInterval(Duration.ofMillis(50))
                    .until(() -> members(wire, "silent") == 0);
            long evictedAfterMs = (System.nanoTime() - joinNanos) / 1_000_000;
            assertThat(evictedAfterMs).as("evicted no sooner than session.timeout.ms after joining, ms")
                    .isGreaterThanOrEqualTo(sessionTimeoutMs - 100);
        }
        assertThat(disk.release.getCount()).as("the disk was stuck throughout").isEqualTo(1);
    }

    private static int members(WireClient wire, String groupId) {
        DescribeGroupsResponse describe = wire.send(new DescribeGroupsRequest.Builder(
                new DescribeGroupsRequestData().setGroups(List.of(groupId))), (short) 5);
        return describe.data().groups().get(0).members().size();
    }

    /** The I/O test hook: every I/O task waits here until the test releases the disk. */
    private static final class StalledDisk implements Runnable {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger stalled = new AtomicInteger();

        @Override
        public void run() {
            stalled.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
