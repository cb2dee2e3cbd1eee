package io.tributary.broker.interop;

import static io.tributary.broker.interop.KafkaCli.CONSUMER_GROUPS;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Kafka 4.3.1's kafka-consumer-groups ({@code ConsumerGroupCommand}) against the broker's group coordinator,
 * for groups a Java consumer (classic protocol) joined and committed in: list, describe (offsets and lag, members,
 * state), reset offsets, delete offsets and delete groups. The tool prints space-aligned tables whose widths follow
 * the longest value, so tables are compared cell by cell; every other line exactly. The tool exits 0 even when it
 * reports an error, so errors are asserted as the lines it prints.
 */
class ConsumerGroupCommandInteropTest {
    private static final String HOST = "/127.0.0.1";

    @TempDir
    Path dataDir;

    @BeforeAll
    static void installKafkaCli() throws Exception {
        InteropTools.install("kafka-cli");
    }

    @Test
    void describeShowsCommittedOffsetsLagAndTheMembersOfAnActiveGroup() throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            GroupFixture.createAndFill(bootstrap, "cg-orders", 5, 7, 3);
            String[] group = {"--bootstrap-server", bootstrap, "--group", "cg-active"};

            String memberId;
            try (KafkaConsumer<String, String> consumer = GroupFixture.joinedConsumer(bootstrap, "cg-active",
                    "cg-client", "cg-orders", 3)) {
                consumer.commitSync(GroupFixture.offsets("cg-orders", 2, 7, 0));
                memberId = consumer.groupMetadata().memberId();
                assertThat(memberId).startsWith("cg-client-");

                assertThat(groups("--bootstrap-server", bootstrap, "--list")).containsExactly("cg-active");
                assertTable(groups("--bootstrap-server", bootstrap, "--list", "--state"),
                        List.of("GROUP", "STATE"),
                        List.of("cg-active", "Stable"));

                ExternalProcess.Result described = groupsResult(with(group, "--describe"));
                assertTable(described.stdoutLines(),
                        List.of("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                                "CONSUMER-ID", "HOST", "CLIENT-ID"),
                        List.of("cg-active", "cg-orders", "0", "2", "5", "3", memberId, HOST, "cg-client"),
                        List.of("cg-active", "cg-orders", "1", "7", "7", "0", memberId, HOST, "cg-client"),
                        List.of("cg-active", "cg-orders", "2", "0", "3", "3", memberId, HOST, "cg-client"));
                assertThat(described.stderr()).as(described.describe()).doesNotContain("Consumer group");

                assertTable(groups(with(group, "--describe", "--members")),
                        List.of("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"),
                        List.of("cg-active", memberId, HOST, "cg-client", "3"));
                // Epochs and target assignments belong to the consumer protocol (KIP-848); a classic group has none.
                assertTable(groups(with(group, "--describe", "--members", "--verbose")),
                        List.of("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "CURRENT-EPOCH",
                                "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT"),
                        List.of("cg-active", memberId, HOST, "cg-client", "3", "-", "cg-orders:0,1,2", "-", "-"));
                // The coordinator column reads "host:port  (id)".
                assertTable(groups(with(group, "--describe", "--state")),
                        List.of("GROUP", "COORDINATOR", "(ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"),
                        List.of("cg-active", bootstrap, "(1)", "range", "Stable", "1"));

                assertThat(groups(with(group, "--reset-offsets", "--topic", "cg-orders", "--to-earliest",
                        "--execute"))).contains("Error: Assignments can only be reset if the group 'cg-active' is "
                        + "inactive, but the current state is Stable.");
                assertThat(GroupFixture.committed(bootstrap, "cg-active"))
                        .containsExactly("cg-orders-0=2", "cg-orders-1=7", "cg-orders-2=0");
            }

            ExternalProcess.Result left = groupsResult(with(group, "--describe"));
            assertTable(left.stdoutLines(),
                    List.of("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                            "HOST", "CLIENT-ID"),
                    List.of("cg-active", "cg-orders", "0", "2", "5", "3", "-", "-", "-"),
                    List.of("cg-active", "cg-orders", "1", "7", "7", "0", "-", "-", "-"),
                    List.of("cg-active", "cg-orders", "2", "0", "3", "3", "-", "-", "-"));
            assertThat(left.stderrLines()).as(left.describe())
                    .contains("Consumer group 'cg-active' has no active members.");
            assertTable(groups("--bootstrap-server", bootstrap, "--list", "--state"),
                    List.of("GROUP", "STATE"),
                    List.of("cg-active", "Empty"));
        }
    }

    @Test
    void resetOffsetsMovesTheCommittedOffsetsOfAnInactiveGroup() throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            GroupFixture.createAndFill(bootstrap, "cg-reset", 5, 7, 3);
            try (Admin admin = Clients.admin(bootstrap)) {
                admin.deleteRecords(Map.of(new TopicPartition("cg-reset", 1), RecordsToDelete.beforeOffset(2)))
                        .all().get();
            }
            GroupFixture.commitAndLeave(bootstrap, "cg-reset-group", "cg-reset", 4, 6, 1);
            String[] reset = {"--bootstrap-server", bootstrap, "--group", "cg-reset-group", "--reset-offsets"};
            List<String> newOffsetHeader = List.of("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");

            // Earliest is the log start offset: 2 on partition 1 after DeleteRecords.
            assertTable(groups(with(reset, "--topic", "cg-reset", "--to-earliest", "--execute")), newOffsetHeader,
                    List.of("cg-reset-group", "cg-reset", "0", "0"),
                    List.of("cg-reset-group", "cg-reset", "1", "2"),
                    List.of("cg-reset-group", "cg-reset", "2", "0"));
            assertThat(GroupFixture.committed(bootstrap, "cg-reset-group"))
                    .containsExactly("cg-reset-0=0", "cg-reset-1=2", "cg-reset-2=0");

            // An offset past a partition's log end is clamped to the log end (5 and 3 here), with a warning.
            assertTable(groups(with(reset, "--topic", "cg-reset", "--to-offset", "6", "--execute")), newOffsetHeader,
                    List.of("cg-reset-group", "cg-reset", "0", "5"),
                    List.of("cg-reset-group", "cg-reset", "1", "6"),
                    List.of("cg-reset-group", "cg-reset", "2", "3"));
            assertThat(GroupFixture.committed(bootstrap, "cg-reset-group"))
                    .containsExactly("cg-reset-0=5", "cg-reset-1=6", "cg-reset-2=3");

            assertTable(groups(with(reset, "--topic", "cg-reset", "--shift-by", "-2", "--execute")), newOffsetHeader,
                    List.of("cg-reset-group", "cg-reset", "0", "3"),
                    List.of("cg-reset-group", "cg-reset", "1", "4"),
                    List.of("cg-reset-group", "cg-reset", "2", "1"));
            assertThat(GroupFixture.committed(bootstrap, "cg-reset-group"))
                    .containsExactly("cg-reset-0=3", "cg-reset-1=4", "cg-reset-2=1");

            // One partition only; shifting below the log start offset stops there.
            assertTable(groups(with(reset, "--topic", "cg-reset:1", "--shift-by", "-5", "--execute")), newOffsetHeader,
                    List.of("cg-reset-group", "cg-reset", "1", "2"));
            assertThat(GroupFixture.committed(bootstrap, "cg-reset-group"))
                    .containsExactly("cg-reset-0=3", "cg-reset-1=2", "cg-reset-2=1");

            // --dry-run prints the plan and commits nothing.
            assertTable(groups(with(reset, "--topic", "cg-reset", "--to-latest", "--dry-run")), newOffsetHeader,
                    List.of("cg-reset-group", "cg-reset", "0", "5"),
                    List.of("cg-reset-group", "cg-reset", "1", "7"),
                    List.of("cg-reset-group", "cg-reset", "2", "3"));
            assertThat(GroupFixture.committed(bootstrap, "cg-reset-group"))
                    .containsExactly("cg-reset-0=3", "cg-reset-1=2", "cg-reset-2=1");
        }
    }

    @Test
    void deleteRemovesAnEmptyGroupAndItsOffsetsButRefusesAnActiveOne() throws Exception {
        try (TestBroker broker = GroupFixture.startBroker(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            GroupFixture.createAndFill(bootstrap, "cg-delete", 3, 2);
            GroupFixture.commitAndLeave(bootstrap, "cg-gone", "cg-delete", 3, 1);
            try (KafkaConsumer<String, String> kept = GroupFixture.joinedConsumer(bootstrap, "cg-kept", "cg-kept",
                    "cg-delete", 2)) {
                kept.commitSync(GroupFixture.offsets("cg-delete", 1, 2));

                assertThat(groups("--bootstrap-server", bootstrap, "--list"))
                        .containsExactlyInAnyOrder("cg-gone", "cg-kept");

                // OffsetDelete: refused per partition while the group subscribes to the topic (Kafka's
                // GROUP_SUBSCRIBED_TO_TOPIC), accepted for an empty group.
                String subscribed = "Error: org.apache.kafka.common.errors.GroupSubscribedToTopicException: Deleting"
                        + " offsets of a topic is forbidden while the consumer group is actively subscribed to it.";
                List<String> refused = groups("--bootstrap-server", bootstrap, "--delete-offsets", "--group",
                        "cg-kept", "--topic", "cg-delete");
                assertThat(refused.subList(0, 2)).containsExactly(
                        "", "Error: Encountered some partition-level error, see the follow-up details.");
                assertTable(refused.subList(2, refused.size()), 3,
                        List.of("TOPIC", "PARTITION", "STATUS"),
                        List.of("cg-delete", "0", subscribed),
                        List.of("cg-delete", "1", subscribed));
                List<String> deleted = groups("--bootstrap-server", bootstrap, "--delete-offsets", "--group",
                        "cg-gone", "--topic", "cg-delete:1");
                assertThat(deleted.get(0)).isEqualTo("Request succeeded for deleting offsets from group cg-gone.");
                assertTable(deleted.subList(1, deleted.size()), 3,
                        List.of("TOPIC", "PARTITION", "STATUS"),
                        List.of("cg-delete", "1", "Successful"));
                assertThat(GroupFixture.committed(bootstrap, "cg-gone")).containsExactly("cg-delete-0=3");
                assertThat(GroupFixture.committed(bootstrap, "cg-kept"))
                        .containsExactly("cg-delete-0=1", "cg-delete-1=2");

                // DeleteGroups: NON_EMPTY_GROUP for a group with members, GROUP_ID_NOT_FOUND for an unknown one.
                assertThat(groups("--bootstrap-server", bootstrap, "--delete", "--group", "cg-kept")).containsExactly(
                        "",
                        "Error: Deletion of some consumer groups failed:",
                        "* Group 'cg-kept' could not be deleted due to: "
                                + "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.");
                assertThat(groups("--bootstrap-server", bootstrap, "--delete", "--group", "cg-gone"))
                        .containsExactly("Deletion of requested consumer groups ('cg-gone') was successful.");
                assertThat(groups("--bootstrap-server", bootstrap, "--list")).containsExactly("cg-kept");
                assertThat(groups("--bootstrap-server", bootstrap, "--describe", "--group", "cg-gone")).containsExactly(
                        "",
                        "Error: Executing consumer group command failed due to org.apache.kafka.common.errors."
                                + "GroupIdNotFoundException: Group cg-gone not found.");
                assertThat(GroupFixture.committed(bootstrap, "cg-gone")).isEmpty();
                assertThat(GroupFixture.committed(bootstrap, "cg-kept"))
                        .containsExactly("cg-delete-0=1", "cg-delete-1=2");
                assertThat(groups("--bootstrap-server", bootstrap, "--delete", "--group", "cg-gone")).containsExactly(
                        "",
                        "Error: Deletion of some consumer groups failed:",
                        "* Group 'cg-gone' could not be deleted due to: org.apache.kafka.common.errors."
                                + "GroupIdNotFoundException: The group id does not exist.");
            }
        }
    }

    /**
     * Asserts a table the tool printed, cell by cell: blank lines left out, the header first, then the rows in any
     * order (the tool prints them in hash-map order).
     */
    @SafeVarargs
    private static void assertTable(List<String> lines, List<String> header, List<String>... rows) {
        assertTable(lines, 0, header, rows);
    }

    /** As {@link #assertTable(List, List, List[])}, the last of {@code columns} cells taking the rest of the line. */
    @SafeVarargs
    private static void assertTable(List<String> lines, int columns, List<String> header, List<String>... rows) {
        List<List<String>> table = lines.stream().filter(line -> !line.isBlank())
                .map(line -> Arrays.asList(line.trim().split("\\s+", columns))).toList();
        assertThat(table).as(String.join("\n", lines)).isNotEmpty();
        assertThat(table.get(0)).as(String.join("\n", lines)).isEqualTo(header);
        assertThat(table.subList(1, table.size())).as(String.join("\n", lines)).containsExactlyInAnyOrder(rows);
    }

    private static String[] with(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private static List<String> groups(String... args) throws Exception {
        return KafkaCli.run(CONSUMER_GROUPS, args);
    }

    private static ExternalProcess.Result groupsResult(String... args) throws Exception {
        ExternalProcess.Result result = KafkaCli.result(CONSUMER_GROUPS, args);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        return result;
    }
}
