package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DescribeTopicPartitions (KIP-966) paged as Kafka's handler pages it: topics in name order, at most the asked number
 * of partitions per answer, a cursor to the first partition left out, errors for unknown topics; and Kafka 4's Admin
 * client, which asks it first, puts the pages back together.
 */
class DescribeTopicPartitionsTest {
    @TempDir
    Path dataDir;

    private TestBroker broker;

    @BeforeEach
    void threeTopics() throws Exception {
        broker = TestBroker.start(dataDir);
        Clients.createTopic(broker.bootstrapServers(), "dtp-a", 3, Map.of());
        Clients.createTopic(broker.bootstrapServers(), "dtp-b", 2, Map.of());
        Clients.createTopic(broker.bootstrapServers(), "dtp-c", 1, Map.of());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static DescribeTopicPartitionsResponseData ask(WireClient wire, List<String> topics, int limit,
                                                           String cursorTopic, int cursorPartition) {
        var data = new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(limit);
        topics.forEach(name -> data.topics().add(new DescribeTopicPartitionsRequestData.TopicRequest().setName(name)));
        if (cursorTopic != null) {
            data.setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName(cursorTopic)
                    .setPartitionIndex(cursorPartition));
        }
        DescribeTopicPartitionsResponse response = wire.send(new DescribeTopicPartitionsRequest.Builder(data));
        return response.data();
    }

    /** "topic:partition" for every partition answered, "topic!ERROR" for a topic answered with an error. */
    private static List<String> answered(DescribeTopicPartitionsResponseData data) {
        var entries = new ArrayList<String>();
        for (DescribeTopicPartitionsResponseTopic topic : data.topics()) {
            if (topic.errorCode() != Errors.NONE.code()) {
                entries.add(topic.name() + "!" + Errors.forCode(topic.errorCode()).name());
            }
            topic.partitions().forEach(partition -> entries.add(topic.name() + ":" + partition.partitionIndex()));
        }
        return entries;
    }

    private static String cursor(DescribeTopicPartitionsResponseData data) {
        return data.nextCursor() == null ? null
                : data.nextCursor().topicName() + ":" + data.nextCursor().partitionIndex();
    }

    @Test
    void pagesGoInTopicNameOrderAndEndWithACursorToWhatIsLeft() {
        List<String> topics = List.of("dtp-missing", "dtp-c", "dtp-a", "dtp-b");
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            DescribeTopicPartitionsResponseData first = ask(wire, topics, 2, null, 0);
            assertThat(answered(first)).containsExactly("dtp-a:0", "dtp-a:1");
            assertThat(cursor(first)).isEqualTo("dtp-a:2");

            DescribeTopicPartitionsResponseData second = ask(wire, topics, 2, "dtp-a", 2);
            assertThat(answered(second)).containsExactly("dtp-a:2", "dtp-b:0");
            assertThat(cursor(second)).isEqualTo("dtp-b:1");

            DescribeTopicPartitionsResponseData last = ask(wire, topics, 10, "dtp-b", 1);
            assertThat(answered(last)).containsExactly("dtp-b:1", "dtp-c:0",
                    "dtp-missing!UNKNOWN_TOPIC_OR_PARTITION");
            assertThat(cursor(last)).isNull();

            DescribeTopicPartitionsResponseData filled = ask(wire, List.of("dtp-b", "dtp-c"), 2, null, 0);
            assertThat(answered(filled)).containsExactly("dtp-b:0", "dtp-b:1");
            assertThat(cursor(filled)).as("the limit met at a topic's end: the next starts at the next topic")
                    .isEqualTo("dtp-c:0");
        }
    }

    @Test
    void noTopicsMeansEveryTopicAndEachPartitionShowsItsLeaderReplicasAndIsr() {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            DescribeTopicPartitionsResponseData all = ask(wire, List.of(), 2000, null, 0);
            assertThat(answered(all)).containsExactly("dtp-a:0", "dtp-a:1", "dtp-a:2", "dtp-b:0", "dtp-b:1",
                    "dtp-c:0");
            int node = broker.broker().nodeId();
            all.topics().forEach(topic -> {
                assertThat(topic.topicId().toString()).isNotEqualTo("AAAAAAAAAAAAAAAAAAAAAA");
                assertThat(topic.isInternal()).isFalse();
                topic.partitions().forEach(partition -> {
                    assertThat(partition.leaderId()).isEqualTo(node);
                    assertThat(partition.replicaNodes()).containsExactly(node);
                    assertThat(partition.isrNodes()).containsExactly(node);
                    assertThat(partition.offlineReplicas()).isEmpty();
                    assertThat(partition.eligibleLeaderReplicas()).isEmpty();
                });
            });
        }
    }

    @Test
    void aCursorOutsideTheTopicsAskedForIsAnInvalidRequest() {
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            DescribeTopicPartitionsResponseData wrongTopic = ask(wire, List.of("dtp-a", "dtp-b"), 10, "dtp-c", 0);
            assertThat(wrongTopic.topics()).extracting(DescribeTopicPartitionsResponseTopic::errorCode)
                    .containsOnly(Errors.INVALID_REQUEST.code());

            DescribeTopicPartitionsResponseData negative = ask(wire, List.of("dtp-a"), 10, "dtp-a", -1);
            assertThat(negative.topics()).extracting(DescribeTopicPartitionsResponseTopic::errorCode)
                    .containsOnly(Errors.INVALID_REQUEST.code());
        }
    }

    @Test
    void theAdminClientPutsSmallPagesBackTogether() throws Exception {
        try (var admin = Clients.admin(broker.bootstrapServers())) {
            Map<String, TopicDescription> described = admin.describeTopics(List.of("dtp-a", "dtp-b", "dtp-c"),
                    new DescribeTopicsOptions().partitionSizeLimitPerResponse(1)).allTopicNames().get();

            assertThat(described.get("dtp-a").partitions()).extracting(TopicPartitionInfo::partition)
                    .containsExactly(0, 1, 2);
            assertThat(described.get("dtp-b").partitions()).extracting(TopicPartitionInfo::partition)
                    .containsExactly(0, 1);
            assertThat(described.get("dtp-c").partitions().get(0).leader().id())
                    .isEqualTo(broker.broker().nodeId());

            assertThatThrownBy(() -> admin.describeTopics(List.of("dtp-none")).allTopicNames().get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        }
    }
}
