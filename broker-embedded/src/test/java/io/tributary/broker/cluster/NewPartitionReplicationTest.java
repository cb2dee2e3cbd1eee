package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.Clients;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Followers start copying a partition created while their fetches to its leader are parked there: the first acks=all
 * write to a new topic does not wait for those fetches to time out ({@code replica.fetch.wait.max.ms}, made 20 s
 * here so the difference cannot be missed).
 */
class NewPartitionReplicationTest {
    private static final int PARTITIONS = 3;
    private static final long FETCH_WAIT_MS = 20_000;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    @Test
    void firstAcksAllWriteToANewTopicDoesNotWaitForParkedFollowerFetches() throws Exception {
        LocalCluster cluster = clusters.start(3, Map.of("replica.fetch.wait.max.ms", String.valueOf(FETCH_WAIT_MS)));
        // A leader on every node, so every node's fetchers to the other two are running, and parked when idle.
        clusters.createTopic("existing", PARTITIONS, 3, Map.of());
        cluster.awaitLeadersAndFullIsr(WAIT);
        try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrapServers(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int p = 0; p < PARTITIONS; p++) {
                producer.send(new ProducerRecord<>("existing", p, "k", "v")).get(60, TimeUnit.SECONDS);
            }

            clusters.createTopic("created-later", PARTITIONS, 3, Map.of());
            for (int p = 0; p < PARTITIONS; p++) {
                long start = System.nanoTime();
                RecordMetadata written = producer.send(new ProducerRecord<>("created-later", p, "k", "first"))
                        .get(60, TimeUnit.SECONDS);
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertThat(written.offset()).isZero();
                assertThat(tookMs).as("first acks=all write to created-later-%d (ms)", p)
                        .isLessThan(FETCH_WAIT_MS / 2);
            }
        }
    }
}
