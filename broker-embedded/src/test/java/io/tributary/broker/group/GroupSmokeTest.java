package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupSmokeTest {
    @TempDir
    Path dataDir;

    @Test
    void groupConsumesEverythingAndResumesFromCommit() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("group.initial.rebalance.delay.ms", "0",
                "offsets.topic.num.partitions", "3"))) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "smoke", 3, Map.of());
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 30; i++) {
                    producer.send(new ProducerRecord<>("smoke", "k" + i, "v" + i));
                }
            }
            Set<String> seen = new HashSet<>();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap,
                    Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g1"))) {
                consumer.subscribe(List.of("smoke"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (seen.size() < 30 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                }
                consumer.commitSync();
            }
            assertThat(seen).hasSize(30);
            broker.restart();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers(),
                    Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g1"))) {
                consumer.subscribe(List.of("smoke"));
                int more = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < deadline) {
                    more += consumer.poll(Duration.ofMillis(200)).count();
                }
                assertThat(more).isZero();
                assertThat(consumer.assignment()).hasSize(3);
            }
        }
    }
}
