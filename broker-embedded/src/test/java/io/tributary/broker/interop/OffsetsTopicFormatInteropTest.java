package io.tributary.broker.interop;

import static io.tributary.broker.interop.KafkaCli.CONSOLE_CONSUMER;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code __consumer_offsets} is written in Kafka's own record layout: Apache Kafka 4.3.1's formatter for that topic
 * ({@code OffsetsMessageFormatter}, what {@code kafka-console-consumer --formatter} uses to inspect it) decodes
 * our offset commit records, with and without an expire timestamp.
 */
class OffsetsTopicFormatInteropTest {
    @TempDir
    Path dataDir;

    @BeforeAll
    static void installKafkaCli() throws Exception {
        InteropTools.install("kafka-cli");
    }

    @Test
    void kafkasFormatterDecodesOurOffsetCommits() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("offsets.topic.num.partitions", "1"))) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "fmt", 1, Map.of());
            try (Admin admin = Clients.admin(bootstrap)) {
                admin.alterConsumerGroupOffsets("fmt-group", Map.of(new TopicPartition("fmt", 0),
                        new OffsetAndMetadata(0, Optional.of(4), "note"))).all().get();
            }
            List<String> lines = KafkaCli.run(CONSOLE_CONSUMER, "--bootstrap-server", bootstrap,
                    "--topic", "__consumer_offsets", "--partition", "0", "--offset", "earliest",
                    "--max-messages", "1", "--timeout-ms", "20000",
                    "--formatter", "org.apache.kafka.tools.consumer.OffsetsMessageFormatter");
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).matches(Pattern.quote(
                    "{\"key\":{\"type\":1,\"data\":{\"group\":\"fmt-group\",\"topic\":\"fmt\",\"partition\":0}},"
                    + "\"value\":{\"version\":3,\"data\":{\"offset\":0,\"leaderEpoch\":4,\"metadata\":\"note\","
                    + "\"commitTimestamp\":") + "\\d{13}}}}");
        }
    }

    /**
     * An OffsetCommit v2-4 with a retention of its own is stored as Kafka stores it, offset value version 1 with the
     * expire timestamp, which Kafka's formatter decodes.
     */
    @Test
    void kafkasFormatterDecodesAnOffsetCommittedWithARetentionTime() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("offsets.topic.num.partitions", "1"));
             WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "fmt", 1, Map.of());
            wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
                    .setCoordinatorKeys(List.of("fmt-retained"))));
            var data = new OffsetCommitRequestData().setGroupId("fmt-retained").setGenerationIdOrMemberEpoch(-1)
                    .setMemberId("").setRetentionTimeMs(3_600_000);
            data.topics().add(new OffsetCommitRequestTopic().setName("fmt").setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(7)
                            .setCommittedMetadata("kept an hour"))));
            OffsetCommitResponse committed = wire.send(OffsetCommitRequest.Builder.forTopicNames(data), (short) 2);
            assertThat(committed.errorCounts()).containsOnlyKeys(Errors.NONE);

            List<String> lines = KafkaCli.run(CONSOLE_CONSUMER, "--bootstrap-server", bootstrap,
                    "--topic", "__consumer_offsets", "--partition", "0", "--offset", "earliest",
                    "--max-messages", "1", "--timeout-ms", "20000",
                    "--formatter", "org.apache.kafka.tools.consumer.OffsetsMessageFormatter");
            assertThat(lines).hasSize(1);
            Matcher value = Pattern.compile(Pattern.quote("{\"key\":{\"type\":1,\"data\":{\"group\":"
                    + "\"fmt-retained\",\"topic\":\"fmt\",\"partition\":0}},\"value\":{\"version\":1,"
                    + "\"data\":{\"offset\":7,\"metadata\":\"kept an hour\",\"commitTimestamp\":")
                    + "(\\d{13}),\"expireTimestamp\":(\\d{13})}}}")
                    .matcher(lines.get(0));
            assertThat(value.matches()).as(lines.get(0)).isTrue();
            assertThat(Long.parseLong(value.group(2)) - Long.parseLong(value.group(1))).isEqualTo(3_600_000);
        }
    }
}
