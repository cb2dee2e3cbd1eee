package io.tributary.broker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's counters and status, after real clients produced and fetched over real sockets. */
class BrokerMetricsTest {

    @TempDir
    Path dataDir;

    @Test
    void countsProducedAndFetchedRecordsBytesAndRequestsPerApi() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "metered-a", 2, Map.of());
            Clients.createTopic(bootstrap, "metered-b", 1, Map.of());
            try (var producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 30; i++) {
                    producer.send(new ProducerRecord<>("metered-a", i % 2, "k" + i, "value-" + i));
                }
                producer.flush();
                for (int i = 0; i < 7; i++) {
                    producer.send(new ProducerRecord<>("metered-b", 0, "k" + i, "value-" + i)).get();
                }
            }
            BrokerMetrics metrics = broker.broker().metrics();
            long logBytes = broker.broker().status().logSizeBytes();

            assertThat(metrics.recordsIn()).isEqualTo(37);
            assertThat(metrics.recordsInPerTopic()).containsEntry("metered-a", 30L).containsEntry("metered-b", 7L);
            assertThat(metrics.bytesInPerTopic().get("metered-a") + metrics.bytesInPerTopic().get("metered-b"))
                    .as("batch bytes appended = the logs' size (nothing else was written)").isEqualTo(logBytes)
                    .isEqualTo(metrics.bytesIn());

            List<ConsumerRecord<String, String>> read = Clients.readExactly(bootstrap,
                    new TopicPartition("metered-b", 0), 0, 7);
            assertThat(read).hasSize(7);
            assertThat(metrics.bytesOutPerTopic().get("metered-b")).isEqualTo(metrics.bytesInPerTopic().get("metered-b"));
            assertThat(metrics.bytesOut()).isEqualTo(metrics.bytesOutPerTopic().get("metered-b"));

            long fetchErrorsBefore = metrics.requests().stream().filter(stats -> stats.api().equals("FETCH"))
                    .mapToLong(RequestStats::errors).sum();
            try (var consumer = Clients.consumer(bootstrap, Map.of("auto.offset.reset", "none"))) {
                var partition = new TopicPartition("metered-b", 0);
                consumer.assign(List.of(partition));
                consumer.seek(partition, 1_000);
                assertThatThrownBy(() -> consumer.poll(java.time.Duration.ofSeconds(10)))
                        .isInstanceOf(OffsetOutOfRangeException.class);
            }
            try (var admin = Clients.admin(bootstrap)) {
                var unknown = admin.deleteTopics(List.of("no-such-topic"));
                assertThat(unknown.all()).failsWithin(10, TimeUnit.SECONDS);
            }
            Map<String, RequestStats> byApi = new java.util.HashMap<>();
            metrics.requests().forEach(stats -> byApi.put(stats.api(), stats));
            assertThat(byApi).containsKeys("PRODUCE", "FETCH", "METADATA", "API_VERSIONS", "CREATE_TOPICS");
            assertThat(byApi.get("PRODUCE").count()).isGreaterThanOrEqualTo(8);
            assertThat(byApi.get("PRODUCE").errors()).isZero();
            assertThat(byApi.get("PRODUCE").totalTimeNanos()).isPositive();
            assertThat(byApi.get("PRODUCE").maxTimeNanos()).isPositive()
                    .isLessThanOrEqualTo(byApi.get("PRODUCE").totalTimeNanos());
            assertThat(byApi.get("DELETE_TOPICS").errors()).as("the unknown topic's answer").isEqualTo(1);
            assertThat(fetchErrorsBefore).as("fetches of records that are there").isZero();
            assertThat(byApi.get("FETCH").errors()).as("the fetch past the log end").isPositive();
        }
    }

    @Test
    void statusCountsPartitionsLogSizeAndLogDirs() throws Exception {
        BrokerStatus status;
        TestBroker broker = TestBroker.start(dataDir);
        try {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "status-a", 3, Map.of());
            status = broker.broker().status();
            assertThat(status.running()).isTrue();
            assertThat(status.partitionCount()).isEqualTo(3);
            assertThat(status.offlinePartitions()).isZero();
            assertThat(status.underReplicatedPartitions()).isZero();
            assertThat(status.logSizeBytes()).isZero();
            assertThat(status.logDirs()).singleElement().satisfies(dir -> {
                assertThat(dir.online()).isTrue();
                assertThat(dir.usableBytes()).isPositive().isLessThanOrEqualTo(dir.totalBytes());
                assertThat(Path.of(dir.path())).isEqualTo(broker.broker().config().logDirs().get(0));
            });
            try (var producer = Clients.producer(bootstrap)) {
                producer.send(new ProducerRecord<>("status-a", 0, "k", "v")).get();
            }
            assertThat(broker.broker().status().logSizeBytes()).isPositive();
            Clients.createTopic(bootstrap, "status-b", 2, Map.of());
            assertThat(broker.broker().status().partitionCount()).isEqualTo(5);
        } finally {
            broker.close();
        }
        assertThat(broker.broker().status().running()).isFalse();
        assertThat(Optional.of(status)).isPresent();
    }
}
