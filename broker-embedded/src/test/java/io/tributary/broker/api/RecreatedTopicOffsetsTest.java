package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic deleted and created again under the same name is a new log: its offsets start at 0 and none of the old
 * records come back, even when the broker restarted in between and so holds the old log's checkpointed log start
 * offset from its start.
 */
class RecreatedTopicOffsetsTest {
    private static final String TOPIC = "reborn";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dataDir;

    private static long offset(Admin admin, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(PARTITION, spec)).partitionResult(PARTITION).get().offset();
    }

    private static Uuid topicId(Admin admin) throws Exception {
        return admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId();
    }

    private static List<Long> produce(String bootstrap, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
            var offsets = new ArrayList<Long>();
            for (int i = 0; i < count; i++) {
                RecordMetadata metadata = producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, prefix + i)).get();
                offsets.add(metadata.offset());
            }
            return offsets;
        }
    }

    @Test
    void aTopicRecreatedAfterARestartStartsAtOffsetZeroWithoutTheOldRecords() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            Uuid oldId;
            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
                oldId = topicId(admin);
                produce(broker.bootstrapServers(), "old-", 10);
                admin.deleteRecords(Map.of(PARTITION, RecordsToDelete.beforeOffset(6))).all().get();
                assertThat(offset(admin, OffsetSpec.earliest())).isEqualTo(6);
            }

            broker.restart();   // the log start offset 6 is checkpointed, and read back at start

            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                assertThat(offset(admin, OffsetSpec.earliest())).isEqualTo(6);
                admin.deleteTopics(List.of(TOPIC)).all().get();
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
                assertThat(topicId(admin)).isNotEqualTo(oldId);

                assertThat(offset(admin, OffsetSpec.earliest())).isZero();
                assertThat(offset(admin, OffsetSpec.latest())).isZero();
                assertThat(produce(broker.bootstrapServers(), "new-", 3)).containsExactly(0L, 1L, 2L);
                assertThat(offset(admin, OffsetSpec.earliest())).isZero();
                assertThat(offset(admin, OffsetSpec.latest())).isEqualTo(3);
            }
            assertThat(Clients.readToEnd(broker.bootstrapServers(), PARTITION, IsolationLevel.READ_UNCOMMITTED))
                    .extracting(ConsumerRecord::offset, ConsumerRecord::value)
                    .containsExactly(tuple(0L, "new-0"), tuple(1L, "new-1"), tuple(2L, "new-2"));

            broker.restart();   // and the new incarnation's own checkpoint applies to it

            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                assertThat(offset(admin, OffsetSpec.earliest())).isZero();
                assertThat(offset(admin, OffsetSpec.latest())).isEqualTo(3);
            }
        }
    }
}
