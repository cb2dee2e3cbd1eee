package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.ConsumerProcess;
import io.tributary.broker.testing.GroupMember;
import io.tributary.broker.testing.GroupMember.Callback;
import io.tributary.broker.testing.GroupMember.Kind;
import io.tributary.broker.testing.PartitionLedger;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that dies without leaving (its JVM killed with SIGKILL: no LeaveGroup, and the broker sees only a
 * closed connection, which classic groups ignore) stays in the group until {@code session.timeout.ms} passes
 * without a heartbeat; then the coordinator evicts it and its partitions move to the survivors, who resume at the
 * offsets it committed.
 */
class MemberEvictionTest {
    private static final String TOPIC = "eviction";
    private static final String GROUP = "eviction-group";
    private static final int PARTITIONS = 6;
    private static final int SESSION_TIMEOUT_MS = 2_000;
    private static final int HEARTBEAT_INTERVAL_MS = 300;

    @TempDir
    Path tempDir;

    /** Writes {@code k-from .. k-(to-1)} (value {@code v-i}) and returns their keys by partition and offset. */
    private static Map<TopicPartition, NavigableMap<Long, String>> write(String bootstrap, int from, int to)
            throws Exception {
        var written = new HashMap<TopicPartition, NavigableMap<Long, String>>();
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
            var sends = new ArrayList<Future<RecordMetadata>>();
            for (int i = from; i < to; i++) {
                sends.add(producer.send(new ProducerRecord<>(TOPIC, "k-" + i, "v-" + i)));
            }
            for (int i = from; i < to; i++) {
                RecordMetadata metadata = sends.get(i - from).get();
                written.computeIfAbsent(new TopicPartition(TOPIC, metadata.partition()), p -> new TreeMap<>())
                        .put(metadata.offset(), "k-" + i);
            }
        }
        return written;
    }

    @Test
    void memberKilledWithoutLeaveIsEvictedAfterTheSessionTimeout() throws Exception {
        var overrides = new HashMap<String, Object>(TestBroker.FAST_GROUPS);
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), overrides);
             Admin admin = Clients.admin(broker.bootstrapServers())) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, TOPIC, PARTITIONS, Map.of());
            Map<TopicPartition, NavigableMap<Long, String>> before = write(bootstrap, 0, 600);
            Map<TopicPartition, Long> logEnd = new HashMap<>();
            before.forEach((partition, keys) -> logEnd.put(partition, keys.lastKey() + 1));
            var timeouts = Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, String.valueOf(SESSION_TIMEOUT_MS),
                    ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, String.valueOf(HEARTBEAT_INTERVAL_MS));

            try (ConsumerProcess doomed = ConsumerProcess.start(tempDir, bootstrap, GROUP, TOPIC, timeouts)) {
                // Alone, the child takes every partition and commits everything written so far.
                Set<Integer> all = IntStream.range(0, PARTITIONS).boxed().collect(Collectors.toSet());
                await().atMost(Duration.ofSeconds(30)).until(() -> doomed.owned().equals(all));
                await().atMost(Duration.ofSeconds(30)).until(() -> committed(admin).equals(logEnd));

                var ledger = new PartitionLedger();
                ledger.committed("doomed", toOffsets(logEnd));
                try (GroupMember survivor = GroupMember.start("survivor", bootstrap, GROUP, TOPIC,
                        Map.copyOf(timeouts), ledger)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> survivor.settled()
                            && survivor.owned().size() == 3 && doomed.owned().size() == 3);
                    assertThat(survivor.owned()).noneMatch(p -> doomed.owned().contains(p.partition()));
                    int callbacksBeforeKill = survivor.callbacks().size();

                    long killedAt = System.nanoTime();
                    assertThat(doomed.kill()).isEqualTo(137);

                    // Still a member: the coordinator waits for the session to time out.
                    ConsumerGroupDescription justAfter = admin.describeConsumerGroups(List.of(GROUP))
                            .describedGroups().get(GROUP).get();
                    assertThat(justAfter.members()).hasSize(2);
                    Map<TopicPartition, NavigableMap<Long, String>> after = write(bootstrap, 600, 1_200);

                    GroupMember.awaitBalanced(List.of(survivor), PARTITIONS, List.of(6));
                    Callback takeover = survivor.callbacks().stream().skip(callbacksBeforeKill)
                            .filter(c -> c.kind() == Kind.ASSIGNED && !c.partitions().isEmpty())
                            .reduce((first, second) -> second).orElseThrow();
                    long elapsedMs = Duration.ofNanos(takeover.nanoTime() - killedAt).toMillis();
                    // The last heartbeat reached the broker about one interval before the kill at the earliest (two,
                    // to allow for a late heartbeat thread); a broker that evicted on the closed connection would
                    // move the partitions within a heartbeat or two of the kill.
                    assertThat(elapsedMs).isBetween((long) SESSION_TIMEOUT_MS - 2 * HEARTBEAT_INTERVAL_MS,
                            (long) SESSION_TIMEOUT_MS + 5_000);
                    assertThat(admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP).get()
                            .members()).hasSize(1);

                    // The survivor processes exactly what was written after the kill, on its own partitions and
                    // on the moved ones from the offsets the dead member committed.
                    int afterCount = after.values().stream().mapToInt(Map::size).sum();
                    await().atMost(Duration.ofSeconds(30)).until(() -> ledger.processedCount() >= afterCount);
                    assertThat(ledger.violations()).isEmpty();
                    assertThat(ledger.differencesFrom(after)).isEmpty();
                    assertThat(ledger.deliveries()).isEqualTo(afterCount);
                }
            }
        }
    }

    private static Map<TopicPartition, Long> committed(Admin admin) throws Exception {
        var offsets = new HashMap<TopicPartition, Long>();
        admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()
                .forEach((partition, offset) -> offsets.put(partition, offset == null ? null : offset.offset()));
        return offsets;
    }

    private static Map<TopicPartition, OffsetAndMetadata> toOffsets(Map<TopicPartition, Long> offsets) {
        var result = new HashMap<TopicPartition, OffsetAndMetadata>();
        offsets.forEach((partition, offset) -> result.put(partition, new OffsetAndMetadata(offset)));
        return result;
    }
}
