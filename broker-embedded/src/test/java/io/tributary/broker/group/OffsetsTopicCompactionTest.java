package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code __consumer_offsets} is compacted like any compacted topic: after many commits of the same partitions the
 * cleaner leaves about one record per key, and a restarted broker loads the right offsets from the compacted log
 * (whose offsets now have gaps), with deleted groups staying deleted.
 */
class OffsetsTopicCompactionTest {
    private static final int COMMITS = 300;

    @TempDir
    Path dataDir;

    @Test
    void compactedOffsetsTopicStillLoadsTheLatestCommits() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("offsets.topic.num.partitions", "1",
                "offsets.topic.segment.bytes", "4096", "log.cleaner.backoff.ms", "100"))) {
            Clients.createTopic(broker.bootstrapServers(), "orders", 2, Map.of());
            var p0 = new TopicPartition("orders", 0);
            var p1 = new TopicPartition("orders", 1);
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                for (int i = 1; i <= COMMITS; i++) {
                    admin.alterConsumerGroupOffsets("billing", Map.of(p0, new OffsetAndMetadata(i),
                            p1, new OffsetAndMetadata(10L * i, "m" + i))).all().get();
                }
                admin.alterConsumerGroupOffsets("temporary", Map.of(p0, new OffsetAndMetadata(1))).all().get();
                admin.deleteConsumerGroups(List.of("temporary")).all().get();
            }
            var offsetsLog = new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, 0);
            long written;
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                written = admin.listOffsets(Map.of(offsetsLog, OffsetSpec.latest())).all().get().get(offsetsLog)
                        .offset();
            }
            assertThat(written).isGreaterThanOrEqualTo(2L * COMMITS);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    recordsBefore(broker.bootstrapServers(), offsetsLog, written))
                    .as("records left in __consumer_offsets after compaction").isLessThan(COMMITS / 2));

            broker.restart();
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("billing")
                        .partitionsToOffsetAndMetadata().get();
                assertThat(committed).containsOnly(Map.entry(p0, new OffsetAndMetadata(COMMITS)),
                        Map.entry(p1, new OffsetAndMetadata(10L * COMMITS, "m" + COMMITS)));
                assertThat(admin.listConsumerGroupOffsets("temporary").partitionsToOffsetAndMetadata().get())
                        .isEmpty();
                assertThat(admin.listGroups().all().get()).extracting(g -> g.groupId()).containsExactly("billing");
            }
        }
    }

    /** How many records the partition holds below {@code end}, read with a group-less consumer. */
    private static int recordsBefore(String bootstrap, TopicPartition partition, long end) {
        int count = 0;
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                count += consumer.poll(Duration.ofMillis(100)).count();
            }
            assertThat(consumer.position(partition)).isGreaterThanOrEqualTo(end);
        }
        return count;
    }
}
