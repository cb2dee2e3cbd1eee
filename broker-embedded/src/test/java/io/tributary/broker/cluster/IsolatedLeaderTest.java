package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.Clients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A partition leader cut off from the other nodes (replica fetches and its requests to the active controller fail,
 * at {@link LocalCluster}'s transport layer) while an idempotent acks=all producer writes to it: it acknowledges
 * nothing its followers do not have, the controller fences it and a follower takes over, the producer goes on there,
 * and once the links are back the old leader truncates what only it had and rejoins the ISR. Every acknowledged
 * record is in the log once, in order.
 */
class IsolatedLeaderTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "isolated";

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    private LocalCluster cluster;

    @Test
    void anIsolatedLeaderLosesItsPartitionAndTruncatesWhenItReturns() throws Exception {
        cluster = clusters.start(3, Map.of());
        String bootstrap = cluster.bootstrapServers();
        clusters.createTopic(TOPIC, 3, 3, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadersAndFullIsr(WAIT);
        // A leader that is not the active controller: cut off, it stops heartbeating and the controller fences it.
        int controller = cluster.activeController();
        int partition = -1;
        for (int p = 0; p < 3 && partition < 0; p++) {
            if (cluster.leaderOf(TOPIC, p) != controller) {
                partition = p;
            }
        }
        int isolated = cluster.leaderOf(TOPIC, partition);
        int chosen = partition;

        var acknowledged = java.util.Collections.synchronizedList(new ArrayList<String>());
        var producing = new AtomicBoolean(true);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    5_000, ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50))) {
                for (int i = 0; producing.get(); i++) {
                    String value = "v" + i;
                    producer.send(new ProducerRecord<>(TOPIC, chosen, "k", value)).get(120, TimeUnit.SECONDS);
                    acknowledged.add(value);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        LocalCluster.awaitCondition(WAIT, "writes before the cut", () -> acknowledged.size() >= 50);

        cluster.isolate(isolated);
        int before = acknowledged.size();
        LocalCluster.awaitCondition(WAIT, "a new leader of partition " + chosen, () -> {
            int leader = cluster.node(controller).metadataImage().topic(TOPIC).partitions().get(chosen).leader();
            return leader >= 0 && leader != isolated;
        });
        LocalCluster.awaitCondition(WAIT, "writes acknowledged by the new leader",
                () -> acknowledged.size() >= before + 50);

        cluster.heal();
        cluster.awaitLeadersAndFullIsr(WAIT);
        producing.set(false);
        writer.get(120, TimeUnit.SECONDS);

        List<ConsumerRecord<String, String>> read = Clients.readToEnd(bootstrap, new TopicPartition(TOPIC, chosen),
                IsolationLevel.READ_UNCOMMITTED);
        assertThat(read).extracting(ConsumerRecord::value).containsExactlyElementsOf(acknowledged);
        // The old leader holds exactly the new leader's log: what only it had was cut off when it returned.
        long end = read.size();
        LocalCluster.awaitCondition(WAIT, "the old leader to hold the same log", () ->
                cluster.node(isolated).logEndOffset(TOPIC, chosen) == end);
    }
}
