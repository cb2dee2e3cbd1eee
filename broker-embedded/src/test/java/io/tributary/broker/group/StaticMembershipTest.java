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
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static membership (KIP-345): a member with a {@code group.instance.id} does not leave the group when it closes,
 * so a restart within the session timeout takes its old place, and its partitions, without a rebalance; a second
 * consumer with the same instance id takes the place over and the one that had it is fenced.
 */
class StaticMembershipTest {
    private static final int PARTITIONS = 6;
    // Long enough that a restarted member comes back well within it.
    private static final int SESSION_TIMEOUT_MS = 10_000;

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

    /** A static member whose name is also its instance id (and client id), so a restart reports as itself. */
    private static GroupMember staticMember(String instanceId, String groupId, String topic,
                                            PartitionLedger ledger) {
        return GroupMember.start(instanceId, broker.bootstrapServers(), groupId, topic,
                Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId,
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS),
                ledger);
    }

    @Test
    void staticMemberRestartedWithinTheSessionTimeoutGetsItsPartitionsBackWithoutARebalance() throws Exception {
        String topic = "static-restart";
        Clients.createTopic(broker.bootstrapServers(), topic, PARTITIONS, Map.of());
        var ledger = new PartitionLedger();
        var members = new ArrayList<GroupMember>();
        try (RecordFlow flow = RecordFlow.start(broker.bootstrapServers(), topic)) {
            // The first to join leads the group, so the restart below is the leader's (KIP-814: no rebalance).
            members.add(staticMember("a", "static-group", topic, ledger));
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(6));
            members.add(staticMember("b", "static-group", topic, ledger));
            members.add(staticMember("c", "static-group", topic, ledger));
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(2, 2, 2));
            GroupMember a = members.get(0);
            GroupMember b = members.get(1);
            GroupMember c = members.get(2);
            Set<TopicPartition> aOwned = a.owned();
            int bCallbacks = b.callbacks().size();
            int cCallbacks = c.callbacks().size();

            // kafka-clients' default close sends no LeaveGroup for a static member.
            members.remove(a);
            a.close();
            GroupMember restarted = staticMember("a", "static-group", topic, ledger);
            members.add(restarted);
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(2, 2, 2));

            assertThat(restarted.owned()).isEqualTo(aOwned);
            assertThat(restarted.callbacks()).singleElement()
                    .satisfies(callback -> assertThat(callback.kind()).isEqualTo(Kind.ASSIGNED));
            // Had the join rebalanced the group, b and c would have rejoined before the restarted member got its
            // assignment; the extra second shows nothing starts later either.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> b.callbacks().size() == bCallbacks && c.callbacks().size() == cCallbacks);
            assertThat(b.owned()).hasSize(2);
            assertThat(c.owned()).hasSize(2);

            Map<TopicPartition, NavigableMap<Long, String>> written = flow.stop();
            int writtenCount = written.values().stream().mapToInt(Map::size).sum();
            await().atMost(Duration.ofSeconds(30)).until(() -> ledger.processedCount() >= writtenCount);
            assertThat(ledger.violations()).isEmpty();
            assertThat(ledger.commitFailures()).isEmpty();
            assertThat(ledger.differencesFrom(written)).isEmpty();
            assertThat(ledger.deliveries()).isEqualTo(writtenCount);
        } finally {
            GroupMember.closeAll(members);
        }
    }

    @Test
    void secondConsumerWithTheSameInstanceIdFencesTheFirst() throws Exception {
        String topic = "static-fenced";
        Clients.createTopic(broker.bootstrapServers(), topic, PARTITIONS, Map.of());
        var members = new ArrayList<GroupMember>();
        try {
            // Separate ledgers: until the fenced member hears of it, two consumers do hold its partitions.
            GroupMember first = staticMember("twin", "fenced-group", topic, new PartitionLedger());
            members.add(first);
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(6));
            GroupMember other = staticMember("other", "fenced-group", topic, new PartitionLedger());
            members.add(other);
            GroupMember.awaitBalanced(members, PARTITIONS, List.of(3, 3));
            Set<TopicPartition> firstOwned = first.owned();
            int otherCallbacks = other.callbacks().size();

            GroupMember second = staticMember("twin", "fenced-group", topic, new PartitionLedger());
            members.add(second);

            await().atMost(Duration.ofSeconds(15)).until(() -> !first.isRunning());
            assertThat(first.failure()).isInstanceOf(FencedInstanceIdException.class);
            GroupMember.awaitBalanced(List.of(second, other), PARTITIONS, List.of(3, 3));
            assertThat(second.owned()).isEqualTo(firstOwned);
            assertThat(second.failure()).isNull();
            assertThat(other.callbacks()).hasSize(otherCallbacks);
        } finally {
            GroupMember.closeAll(members);
        }
    }
}
