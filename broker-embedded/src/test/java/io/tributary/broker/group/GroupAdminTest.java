package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.GroupMember;
import io.tributary.broker.testing.PartitionLedger;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DeleteConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupsOptions;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.GroupSubscribedToTopicException;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer-group side of the Admin API as kafka-clients 4.2 drives it (ListGroups, DescribeGroups,
 * OffsetFetch, DeleteGroups, OffsetDelete, OffsetCommit without a generation), against groups made by real
 * consumers. Each test has its own topic and groups on one broker.
 */
class GroupAdminTest {
    @TempDir
    static Path dataDir;

    private static TestBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(dataDir, TestBroker.FAST_GROUPS);
        admin = Clients.admin(broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.close();
    }

    private static List<TopicPartition> createTopic(String topic, int partitions, int records) throws Exception {
        Clients.createTopic(broker.bootstrapServers(), topic, partitions, Map.of());
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, "k-" + i, "v-" + i));
            }
            producer.flush();
        }
        return IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    private static GroupMember member(String name, String groupId, String topic) {
        return GroupMember.start(name, broker.bootstrapServers(), groupId, topic, Map.of(), new PartitionLedger());
    }

    /** A consumer of {@code groupId} subscribed to {@code topic}, returned once it owns all its partitions. */
    private static KafkaConsumer<String, String> subscribed(String groupId, String topic, int partitions) {
        KafkaConsumer<String, String> consumer = Clients.groupConsumer(broker.bootstrapServers(), groupId, Map.of());
        consumer.subscribe(List.of(topic));
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
            consumer.poll(Duration.ofMillis(100));
            return consumer.assignment().size() == partitions;
        });
        return consumer;
    }

    private static Map<String, GroupListing> listed(ListGroupsOptions options) throws Exception {
        return admin.listGroups(options).all().get().stream()
                .collect(Collectors.toMap(GroupListing::groupId, listing -> listing));
    }

    private static ConsumerGroupDescription describe(String groupId) throws Exception {
        return admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(String groupId) throws Exception {
        return admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
    }

    @Test
    void listGroupsFiltersConsumerGroupsByState() throws Exception {
        createTopic("listed", 3, 30);
        try (GroupMember idle = member("idle-0", "listed-empty", "listed")) {
            GroupMember.awaitBalanced(List.of(idle), 3, List.of(3));
        }
        try (GroupMember active = member("active-0", "listed-active", "listed")) {
            GroupMember.awaitBalanced(List.of(active), 3, List.of(3));

            Map<String, GroupListing> all = listed(ListGroupsOptions.forConsumerGroups());
            assertThat(all).containsKeys("listed-active", "listed-empty");
            assertThat(all.get("listed-active").groupState()).hasValue(GroupState.STABLE);
            assertThat(all.get("listed-empty").groupState()).hasValue(GroupState.EMPTY);
            for (String groupId : List.of("listed-active", "listed-empty")) {
                assertThat(all.get(groupId).type()).hasValue(GroupType.CLASSIC);
                assertThat(all.get(groupId).protocol()).isEqualTo("consumer");
                assertThat(all.get(groupId).isSimpleConsumerGroup()).isFalse();
            }

            Map<String, GroupListing> stable = listed(ListGroupsOptions.forConsumerGroups()
                    .inGroupStates(Set.of(GroupState.STABLE)));
            assertThat(stable).containsKey("listed-active").doesNotContainKey("listed-empty");
            assertThat(stable.values()).allMatch(g -> g.groupState().equals(Optional.of(GroupState.STABLE)));

            Map<String, GroupListing> empty = listed(ListGroupsOptions.forConsumerGroups()
                    .inGroupStates(Set.of(GroupState.EMPTY)));
            assertThat(empty).containsKey("listed-empty").doesNotContainKey("listed-active");
            assertThat(empty.values()).allMatch(g -> g.groupState().equals(Optional.of(GroupState.EMPTY)));

            // The older call, deprecated in kafka-clients 4.1 but still what many tools use.
            assertThat(listedTheOldWay(GroupState.STABLE)).contains("listed-active").doesNotContain("listed-empty");
            assertThat(listedTheOldWay(GroupState.EMPTY)).contains("listed-empty").doesNotContain("listed-active");
        }
    }

    @SuppressWarnings({"removal", "deprecation"})
    private static Set<String> listedTheOldWay(GroupState state) throws Exception {
        return admin.listConsumerGroups(new ListConsumerGroupsOptions().inGroupStates(Set.of(state))).all().get()
                .stream().map(ConsumerGroupListing::groupId).collect(Collectors.toSet());
    }

    @Test
    void describeConsumerGroupsShowsStateMembersAssignmentsAndAssignor() throws Exception {
        createTopic("described", 6, 0);
        int nodeId = admin.describeCluster().nodes().get().iterator().next().id();
        var members = List.of(member("described-0", "described", "described"),
                member("described-1", "described", "described"));
        try {
            GroupMember.awaitBalanced(members, 6, List.of(3, 3));

            ConsumerGroupDescription stable = describe("described");
            assertThat(stable.groupId()).isEqualTo("described");
            assertThat(stable.groupState()).isEqualTo(GroupState.STABLE);
            assertThat(stable.type()).isEqualTo(GroupType.CLASSIC);
            assertThat(stable.isSimpleConsumerGroup()).isFalse();
            assertThat(stable.partitionAssignor()).isEqualTo("range");
            assertThat(stable.coordinator().id()).isEqualTo(nodeId);
            assertThat(stable.members()).hasSize(2);
            for (GroupMember member : members) {
                MemberDescription described = stable.members().stream()
                        .filter(m -> m.clientId().equals(member.name())).findFirst().orElseThrow();
                assertThat(described.assignment().topicPartitions()).isEqualTo(member.owned());
                assertThat(described.consumerId()).startsWith(member.name() + "-");
                assertThat(described.host()).contains("127.0.0.1");
                assertThat(described.groupInstanceId()).isEmpty();
            }
        } finally {
            GroupMember.closeAll(members);
        }

        ConsumerGroupDescription empty = describe("described");
        assertThat(empty.groupState()).isEqualTo(GroupState.EMPTY);
        assertThat(empty.members()).isEmpty();
        assertThat(empty.partitionAssignor()).isEmpty();
    }

    @Test
    void committedMetadataAndLeaderEpochRoundTripThroughListConsumerGroupOffsets() throws Exception {
        List<TopicPartition> partitions = createTopic("epochs", 2, 20);
        var commit = Map.of(
                partitions.get(0), new OffsetAndMetadata(5, Optional.of(7), "meta"),
                partitions.get(1), new OffsetAndMetadata(3, Optional.empty(), ""));
        try (KafkaConsumer<String, String> consumer = subscribed("epochs", "epochs", 2)) {
            consumer.commitSync(commit);
            assertThat(consumer.committed(Set.copyOf(partitions))).isEqualTo(commit);
        }

        assertThat(offsets("epochs")).isEqualTo(commit);
    }

    @Test
    void metadataLongerThanOffsetMetadataMaxBytesIsRejected() throws Exception {
        List<TopicPartition> partitions = createTopic("long-metadata", 1, 0);
        try (KafkaConsumer<String, String> consumer = subscribed("long-metadata", "long-metadata", 1)) {
            // offset.metadata.max.bytes defaults to 4096.
            assertThatThrownBy(() -> consumer.commitSync(
                    Map.of(partitions.get(0), new OffsetAndMetadata(0, "m".repeat(4097)))))
                    .isInstanceOf(OffsetMetadataTooLarge.class);
            consumer.commitSync(Map.of(partitions.get(0), new OffsetAndMetadata(0, "m".repeat(4096))));
        }
        assertThat(offsets("long-metadata").get(partitions.get(0)).metadata()).hasSize(4096);
    }

    @Test
    void deletingAGroupWithMembersFailsWithGroupNotEmptyAndAnEmptyGroupIsDeleted() throws Exception {
        createTopic("deleted", 3, 30);
        try (GroupMember member = member("deleted-0", "deleted", "deleted")) {
            GroupMember.awaitBalanced(List.of(member), 3, List.of(3));
            await().atMost(Duration.ofSeconds(30)).until(() -> offsets("deleted").size() == 3);

            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("deleted")).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupNotEmptyException.class);
            assertThat(offsets("deleted")).hasSize(3);
        }

        admin.deleteConsumerGroups(List.of("deleted")).all().get();
        assertThat(listed(ListGroupsOptions.forConsumerGroups())).doesNotContainKey("deleted");
        assertThat(offsets("deleted")).isEmpty();
        assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("deleted")).all().get())
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupIdNotFoundException.class);
    }

    @Test
    void deletingOffsetsOfATopicTheGroupIsSubscribedToFailsUntilTheGroupIsEmpty() throws Exception {
        List<TopicPartition> tracked = createTopic("tracked", 2, 0);
        TopicPartition untracked = createTopic("untracked", 1, 0).get(0);
        try (KafkaConsumer<String, String> consumer = subscribed("pruned", "tracked", 2)) {
            consumer.commitSync(Map.of(tracked.get(0), new OffsetAndMetadata(0), tracked.get(1),
                    new OffsetAndMetadata(0), untracked, new OffsetAndMetadata(0)));

            DeleteConsumerGroupOffsetsResult refused = admin.deleteConsumerGroupOffsets("pruned",
                    Set.of(tracked.get(0)));
            assertThatThrownBy(() -> refused.partitionResult(tracked.get(0)).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(GroupSubscribedToTopicException.class);
            assertThatThrownBy(() -> refused.all().get()).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(GroupSubscribedToTopicException.class);

            // A topic the members do not subscribe to can be cleaned up while they run.
            admin.deleteConsumerGroupOffsets("pruned", Set.of(untracked)).all().get();
            assertThat(offsets("pruned").keySet()).containsExactlyInAnyOrderElementsOf(tracked);
        }

        admin.deleteConsumerGroupOffsets("pruned", Set.of(tracked.get(0))).all().get();
        assertThat(offsets("pruned").keySet()).containsExactly(tracked.get(1));
    }

    @Test
    void alteringOffsetsOfAnInactiveGroupMovesWhereItsConsumersStart() throws Exception {
        List<TopicPartition> partitions = createTopic("altered", 3, 60);
        Map<TopicPartition, Long> ends;
        try (KafkaConsumer<String, String> consumer = subscribed("altered", "altered", 3)) {
            ends = consumer.endOffsets(partitions);
            // Only a group without members takes offsets from outside it.
            assertThatThrownBy(() -> admin.alterConsumerGroupOffsets("altered",
                    Map.of(partitions.get(0), new OffsetAndMetadata(1))).all().get())
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnknownMemberIdException.class);
        }

        var altered = Map.of(partitions.get(0), new OffsetAndMetadata(2, "moved"),
                partitions.get(1), new OffsetAndMetadata(0),
                partitions.get(2), new OffsetAndMetadata(ends.get(partitions.get(2))));
        admin.alterConsumerGroupOffsets("altered", altered).all().get();
        assertThat(offsets("altered")).isEqualTo(altered);

        int expected = (int) (ends.get(partitions.get(0)) - 2 + ends.get(partitions.get(1)));
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (KafkaConsumer<String, String> consumer = Clients.groupConsumer(broker.bootstrapServers(), "altered",
                Map.of())) {
            consumer.subscribe(List.of("altered"));
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return records.size() >= expected;
            });
        }
        assertThat(records).hasSize(expected);
        assertThat(firstOffsets(records)).isEqualTo(Map.of(0, 2L, 1, 0L));
    }

    private static Map<Integer, Long> firstOffsets(Collection<ConsumerRecord<String, String>> records) {
        return records.stream().collect(Collectors.toMap(ConsumerRecord::partition, ConsumerRecord::offset,
                Math::min));
    }
}
