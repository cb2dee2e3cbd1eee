package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.GroupMember;
import io.tributary.broker.testing.GroupMember.Kind;
import io.tributary.broker.testing.PartitionLedger;
import io.tributary.broker.testing.RecordFlow;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classic-protocol consumer groups rebalancing over a 6-partition topic while a producer keeps writing: every
 * partition has one owner at a time, each member commits what it processed (after every poll and in
 * {@code onPartitionsRevoked}) and the next owner starts exactly there, so every record is processed and none twice.
 * The {@link PartitionLedger} checks those rules on every callback and record.
 */
class GroupRebalanceTest {
    private static final int PARTITIONS = 6;

    @TempDir
    static Path dataDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dataDir, TestBroker.FAST_GROUPS);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static GroupMember member(String name, String groupId, String topic, PartitionLedger ledger,
                                      Map<String, Object> overrides) {
        return GroupMember.start(name, broker.bootstrapServers(), groupId, topic, overrides, ledger);
    }

    /** Lets the flow run until the group processed {@code records} more records than it had. */
    private static void awaitProgress(PartitionLedger ledger, int records) {
        int before = ledger.processedCount();
        await().atMost(Duration.ofSeconds(20)).until(() -> ledger.processedCount() >= before + records);
    }

    /** Stops the flow, waits until the group caught up and checks it processed each written record, once. */
    private static void assertProcessedExactlyWhatWasWritten(RecordFlow flow, PartitionLedger ledger)
            throws InterruptedException {
        Map<TopicPartition, NavigableMap<Long, String>> written = flow.stop();
        int writtenCount = written.values().stream().mapToInt(Map::size).sum();
        await().atMost(Duration.ofSeconds(30)).until(() -> ledger.processedCount() >= writtenCount);

        assertThat(ledger.violations()).isEmpty();
        assertThat(ledger.differencesFrom(written)).isEmpty();
        assertThat(ledger.processedCount()).isEqualTo(writtenCount);
        assertThat(ledger.deliveries()).as("records processed twice").isEqualTo(writtenCount);
    }

    @Test
    void membersJoiningAndLeavingWhileRecordsFlowShareThePartitionsAndLoseNothing() throws Exception {
        String topic = "scaling";
        Clients.createTopic(broker.bootstrapServers(), topic, PARTITIONS, Map.of());
        var ledger = new PartitionLedger();
        var members = new ArrayList<GroupMember>();
        try (RecordFlow flow = RecordFlow.start(broker.bootstrapServers(), topic)) {
            members.add(member("m0", "scaling-group", topic, ledger, Map.of()));
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(6));
            awaitProgress(ledger, 300);

            members.add(member("m1", "scaling-group", topic, ledger, Map.of()));
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(3, 3));
            awaitProgress(ledger, 300);

            members.add(member("m2", "scaling-group", topic, ledger, Map.of()));
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(2, 2, 2));
            awaitProgress(ledger, 300);

            for (int i = 3; i < 7; i++) {
                members.add(member("m" + i, "scaling-group", topic, ledger, Map.of()));
            }
            // Seven members, six partitions: one member is in the group with nothing to do.
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(0, 1, 1, 1, 1, 1, 1));
            GroupMember idle = members.stream().filter(m -> m.owned().isEmpty()).findFirst().orElseThrow();
            assertThat(idle.callbacks().get(idle.callbacks().size() - 1))
                    .satisfies(last -> assertThat(last.kind()).isEqualTo(Kind.ASSIGNED))
                    .satisfies(last -> assertThat(last.partitions()).isEmpty());
            awaitProgress(ledger, 300);

            // The first four leave together, the leader among them.
            List<GroupMember> leaving = List.copyOf(members.subList(0, 4));
            GroupMember.closeAll(leaving);
            members.removeAll(leaving);
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(2, 2, 2));
            awaitProgress(ledger, 300);

            members.remove(0).close();
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(3, 3));
            awaitProgress(ledger, 300);

            members.remove(0).close();
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(6));
            awaitProgress(ledger, 300);

            assertProcessedExactlyWhatWasWritten(flow, ledger);
            // Eager members commit only while their generation is stable, which the broker accepts.
            assertThat(ledger.commitFailures()).isEmpty();
            for (GroupMember member : members) {
                assertThat(member.failure()).isNull();
            }
        } finally {
            GroupMember.closeAll(members);
        }
    }

    @Test
    void cooperativeStickyRevokesOnlyThePartitionsThatMove() throws Exception {
        String topic = "cooperative";
        Clients.createTopic(broker.bootstrapServers(), topic, PARTITIONS, Map.of());
        var ledger = new PartitionLedger();
        Map<String, Object> cooperative = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                CooperativeStickyAssignor.class.getName());
        var members = new ArrayList<GroupMember>();
        try (RecordFlow flow = RecordFlow.start(broker.bootstrapServers(), topic)) {
            GroupMember a = member("a", "cooperative-group", topic, ledger, cooperative);
            members.add(a);
            GroupMember b = member("b", "cooperative-group", topic, ledger, cooperative);
            members.add(b);
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(3, 3));
            awaitProgress(ledger, 300);
            Set<TopicPartition> aBefore = a.owned();
            Set<TopicPartition> bBefore = b.owned();
            int aMark = a.callbacks().size();
            int bMark = b.callbacks().size();

            GroupMember c = member("c", "cooperative-group", topic, ledger, cooperative);
            members.add(c);
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(2, 2, 2));

            // Each existing member gives up exactly the one partition the newcomer takes from it, nothing else.
            Set<TopicPartition> aRevoked = a.partitionsSince(aMark, Kind.REVOKED);
            Set<TopicPartition> bRevoked = b.partitionsSince(bMark, Kind.REVOKED);
            assertThat(aRevoked).hasSize(1).isEqualTo(difference(aBefore, a.owned()));
            assertThat(bRevoked).hasSize(1).isEqualTo(difference(bBefore, b.owned()));
            assertThat(aBefore).containsAll(a.owned());
            assertThat(bBefore).containsAll(b.owned());
            assertThat(a.partitionsSince(aMark, Kind.ASSIGNED)).isEmpty();
            assertThat(b.partitionsSince(bMark, Kind.ASSIGNED)).isEmpty();
            assertThat(c.owned()).isEqualTo(union(aRevoked, bRevoked));
            assertThat(c.partitionsSince(0, Kind.REVOKED)).isEmpty();
            awaitProgress(ledger, 300);

            // When the newcomer leaves, its partitions go back and nobody else revokes anything.
            Set<TopicPartition> aKept = a.owned();
            Set<TopicPartition> bKept = b.owned();
            aMark = a.callbacks().size();
            bMark = b.callbacks().size();
            members.remove(c);
            c.close();
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(3, 3));
            assertThat(a.partitionsSince(aMark, Kind.REVOKED)).isEmpty();
            assertThat(b.partitionsSince(bMark, Kind.REVOKED)).isEmpty();
            assertThat(a.owned()).containsAll(aKept);
            assertThat(b.owned()).containsAll(bKept);
            assertThat(union(a.partitionsSince(aMark, Kind.ASSIGNED), b.partitionsSince(bMark, Kind.ASSIGNED)))
                    .isEqualTo(union(aRevoked, bRevoked));
            awaitProgress(ledger, 300);

            assertProcessedExactlyWhatWasWritten(flow, ledger);
            // A cooperative member keeps processing while the group rebalances, and kafka-clients itself refuses
            // its commits until the rebalance completes; the member commits them after it, or before revoking.
            assertThat(ledger.commitFailureTypes()).isSubsetOf(Set.of(RebalanceInProgressException.class));
        } finally {
            GroupMember.closeAll(members);
        }
    }

    @Test
    void twoGroupsOnOneTopicEachReceiveEveryRecord() throws Exception {
        String topic = "shared";
        Clients.createTopic(broker.bootstrapServers(), topic, PARTITIONS, Map.of());
        var left = new PartitionLedger();
        var right = new PartitionLedger();
        var members = new ArrayList<GroupMember>();
        try (RecordFlow flow = RecordFlow.start(broker.bootstrapServers(), topic)) {
            members.add(member("left-0", "left", topic, left, Map.of()));
            members.add(member("left-1", "left", topic, left, Map.of()));
            members.add(member("right-0", "right", topic, right, Map.of()));
            GroupMember.awaitBalanced(members.subList(0, 2), PARTITIONS, List.of(3, 3));
            GroupMember.awaitBalanced(members.subList(2, 3), PARTITIONS, List.of(6));
            awaitProgress(left, 500);
            awaitProgress(right, 500);

            Map<TopicPartition, NavigableMap<Long, String>> written = flow.stop();
            int writtenCount = written.values().stream().mapToInt(Map::size).sum();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> left.processedCount() >= writtenCount && right.processedCount() >= writtenCount);
            for (PartitionLedger group : List.of(left, right)) {
                assertThat(group.violations()).isEmpty();
                assertThat(group.differencesFrom(written)).isEmpty();
                assertThat(group.deliveries()).isEqualTo(writtenCount);
            }
        } finally {
            GroupMember.closeAll(members);
        }
    }

    private static Set<TopicPartition> difference(Set<TopicPartition> from, Set<TopicPartition> minus) {
        var result = new HashSet<>(from);
        result.removeAll(minus);
        return result;
    }

    private static Set<TopicPartition> union(Set<TopicPartition> a, Set<TopicPartition> b) {
        var result = new HashSet<>(a);
        result.addAll(b);
        return result;
    }
}
