package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListOffsets through the consumer (beginningOffsets, endOffsets, offsetsForTimes) and the Admin (earliest,
 * latest, max timestamp, by timestamp), and LogAppendTime topics. The timestamped topic spans several segments
 * so lookups go through more than one time index.
 */
class ListOffsetsTest {
    private static final long T = System.currentTimeMillis() - 60_000;
    private static final TopicPartition TIMED = new TopicPartition("timed", 0);

    @TempDir
    static Path dataDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBrokerWithTenTimestampedRecords() throws Exception {
        broker = TestBroker.start(dataDir);
        Clients.createTopic(broker.bootstrapServers(), TIMED.topic(), 1, Map.of("segment.bytes", "300"));
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(TIMED.topic(), 0, T + i * 100L, "k" + i, "v" + i)).get();
            }
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(long timestamp) {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers())) {
            var query = new HashMap<TopicPartition, Long>();
            query.put(TIMED, timestamp);
            return consumer.offsetsForTimes(query);
        }
    }

    private static ListOffsetsResultInfo listOffsets(TopicPartition partition, OffsetSpec spec) throws Exception {
        return listOffsets(partition, spec, IsolationLevel.READ_UNCOMMITTED);
    }

    private static ListOffsetsResultInfo listOffsets(TopicPartition partition, OffsetSpec spec,
                                                     IsolationLevel isolation) throws Exception {
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            return admin.listOffsets(Map.of(partition, spec), new ListOffsetsOptions(isolation))
                    .partitionResult(partition).get();
        }
    }

    @Test
    void theTopicSpansSeveralSegments() {
        assertThat(dataDir.resolve("timed-0").toFile().list((dir, name) -> name.endsWith(".log"))).hasSizeGreaterThan(2);
    }

    @Test
    void beginningAndEndOffsetsAreTheLogStartAndTheHighWatermark() {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(broker.bootstrapServers())) {
            assertThat(consumer.beginningOffsets(List.of(TIMED))).isEqualTo(Map.of(TIMED, 0L));
            assertThat(consumer.endOffsets(List.of(TIMED))).isEqualTo(Map.of(TIMED, 10L));
        }
    }

    @Test
    void offsetsForTimesFindsTheFirstOffsetWithATimestampAtOrAboveTheTarget() {
        // Every record was written at leader epoch 0.
        assertThat(offsetsForTimes(T + 450).get(TIMED)).isEqualTo(new OffsetAndTimestamp(5, T + 500, Optional.of(0)));
        assertThat(offsetsForTimes(T + 500).get(TIMED)).isEqualTo(new OffsetAndTimestamp(5, T + 500, Optional.of(0)));
        assertThat(offsetsForTimes(T - 1_000).get(TIMED)).isEqualTo(new OffsetAndTimestamp(0, T, Optional.of(0)));
        assertThat(offsetsForTimes(T + 900).get(TIMED)).isEqualTo(new OffsetAndTimestamp(9, T + 900, Optional.of(0)));
    }

    @Test
    void offsetForLeaderEpochOfTheLatestEpochIsTheLogEndAndOfANewerOneUndefined() {
        var topics = new OffsetForLeaderTopicCollection();
        var topic = new OffsetForLeaderTopic().setTopic(TIMED.topic());
        topic.partitions().add(new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(0)
                .setCurrentLeaderEpoch(-1));
        topics.add(topic);
        var newer = new OffsetForLeaderTopicCollection();
        var newerTopic = new OffsetForLeaderTopic().setTopic(TIMED.topic());
        newerTopic.partitions().add(new OffsetForLeaderPartition().setPartition(0).setLeaderEpoch(3)
                .setCurrentLeaderEpoch(-1));
        newer.add(newerTopic);

        EpochEndOffset latest;
        EpochEndOffset unknown;
        try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
            OffsetsForLeaderEpochResponse first = wire.send(OffsetsForLeaderEpochRequest.Builder.forConsumer(topics));
            OffsetsForLeaderEpochResponse second = wire.send(OffsetsForLeaderEpochRequest.Builder.forConsumer(newer));
            latest = first.data().topics().find(TIMED.topic()).partitions().get(0);
            unknown = second.data().topics().find(TIMED.topic()).partitions().get(0);
        }

        assertThat(latest.errorCode()).isZero();
        assertThat(latest.leaderEpoch()).isZero();
        assertThat(latest.endOffset()).isEqualTo(10);
        // Kafka's LeaderEpochFileCache.endOffsetFor: no epoch above the latest (0) is known.
        assertThat(unknown.errorCode()).isZero();
        assertThat(unknown.leaderEpoch()).isEqualTo(-1);
        assertThat(unknown.endOffset()).isEqualTo(-1);
    }

    @Test
    void offsetsForTimesPastTheLastRecordIsNone() {
        assertThat(offsetsForTimes(T + 901)).containsEntry(TIMED, null);
    }

    @Test
    void adminListsEarliestLatestAndByTimestamp() throws Exception {
        assertThat(listOffsets(TIMED, OffsetSpec.earliest()).offset()).isZero();
        assertThat(listOffsets(TIMED, OffsetSpec.latest()).offset()).isEqualTo(10);
        ListOffsetsResultInfo byTime = listOffsets(TIMED, OffsetSpec.forTimestamp(T + 701));
        assertThat(byTime.offset()).isEqualTo(8);
        assertThat(byTime.timestamp()).isEqualTo(T + 800);
        assertThat(listOffsets(TIMED, OffsetSpec.forTimestamp(T + 10_000)).offset()).isEqualTo(-1);
    }

    @Test
    void maxTimestampIsTheOffsetOfTheRecordWithTheLargestTimestamp() throws Exception {
        var partition = new TopicPartition("max-timestamp", 0);
        Clients.createTopic(broker.bootstrapServers(), partition.topic(), 1, Map.of());
        long[] timestamps = {T + 10, T + 50, T + 20, T + 30, T + 50, T + 40};
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 10_000))) {
            var sent = new ArrayList<Future<RecordMetadata>>();
            for (int i = 0; i < timestamps.length; i++) {
                sent.add(producer.send(new ProducerRecord<>(partition.topic(), 0, timestamps[i], "k" + i, "v" + i)));
            }
            producer.flush();
            assertThat(sent.get(5).get().offset()).isEqualTo(5);
        }

        ListOffsetsResultInfo max = listOffsets(partition, OffsetSpec.maxTimestamp());

        // One batch holds all six records: the answer is the first record at T+50, not the batch's last offset.
        assertThat(max.offset()).isEqualTo(1);
        assertThat(max.timestamp()).isEqualTo(T + 50);
        assertThat(listOffsets(TIMED, OffsetSpec.maxTimestamp()).offset()).isEqualTo(9);
    }

    @Test
    void maxTimestampUnderReadCommittedIsNoneWhileTheLargestTimestampIsInAnOpenTransaction() throws Exception {
        var partition = new TopicPartition("max-timestamp-open-txn", 0);
        Clients.createTopic(broker.bootstrapServers(), partition.topic(), 1, Map.of());
        try (KafkaProducer<String, String> plain = Clients.producer(broker.bootstrapServers())) {
            plain.send(new ProducerRecord<>(partition.topic(), 0, T + 10, "k0", "stable")).get();
        }
        try (KafkaProducer<String, String> transactional = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "max-timestamp-txn"))) {
            transactional.initTransactions();
            transactional.beginTransaction();
            transactional.send(new ProducerRecord<>(partition.topic(), 0, T + 20, "k1", "pending")).get();

            // Kafka looks for the largest timestamp in the whole log, then drops it when it lies at or above the
            // last stable offset: the stable record at T+10 is not the answer.
            ListOffsetsResultInfo committed = listOffsets(partition, OffsetSpec.maxTimestamp(),
                    IsolationLevel.READ_COMMITTED);
            assertThat(committed.offset()).isEqualTo(-1);
            assertThat(committed.timestamp()).isEqualTo(-1);
            ListOffsetsResultInfo uncommitted = listOffsets(partition, OffsetSpec.maxTimestamp(),
                    IsolationLevel.READ_UNCOMMITTED);
            assertThat(uncommitted.offset()).isEqualTo(1);
            assertThat(uncommitted.timestamp()).isEqualTo(T + 20);
            transactional.abortTransaction();
        }
    }

    @Test
    void tieredStorageSpecsFindNoOffsetOnALocalTopic() throws Exception {
        assertThat(listOffsets(TIMED, OffsetSpec.latestTiered()).offset()).isEqualTo(-1);
        assertThat(listOffsets(TIMED, OffsetSpec.earliestPendingUpload()).offset()).isEqualTo(-1);
        assertThat(listOffsets(TIMED, OffsetSpec.earliestLocal()).offset()).isZero();
    }

    @Test
    void listOffsetsOfAnEmptyPartition() throws Exception {
        var partition = new TopicPartition("empty-offsets", 0);
        Clients.createTopic(broker.bootstrapServers(), partition.topic(), 1, Map.of());

        assertThat(listOffsets(partition, OffsetSpec.earliest()).offset()).isZero();
        assertThat(listOffsets(partition, OffsetSpec.latest()).offset()).isZero();
        assertThat(listOffsets(partition, OffsetSpec.maxTimestamp()).offset()).isEqualTo(-1);
        assertThat(listOffsets(partition, OffsetSpec.forTimestamp(T)).offset()).isEqualTo(-1);
    }

    @Test
    void logAppendTimeTopicsStampTheBrokersTime() throws Exception {
        var partition = new TopicPartition("log-append-time", 0);
        Clients.createTopic(broker.bootstrapServers(), partition.topic(), 1,
                Map.of("message.timestamp.type", "LogAppendTime"));
        long createTime = T - 3_600_000;
        var metadata = new ArrayList<RecordMetadata>();
        long before = System.currentTimeMillis();
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            for (int i = 0; i < 3; i++) {
                metadata.add(producer.send(new ProducerRecord<>(partition.topic(), 0, createTime, "k" + i, "v" + i))
                        .get());
            }
        }
        long after = System.currentTimeMillis();

        List<ConsumerRecord<String, String>> records = Clients.readExactly(broker.bootstrapServers(), partition, 0, 3);

        assertThat(records).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(metadata.get(i).timestamp()).isBetween(before, after);
            assertThat(records.get(i).timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(records.get(i).timestamp()).isEqualTo(metadata.get(i).timestamp());
            assertThat(records.get(i).value()).isEqualTo("v" + i);
        }
        ListOffsetsResultInfo byTime = listOffsets(partition, OffsetSpec.forTimestamp(before));
        assertThat(byTime.offset()).isZero();
        assertThat(byTime.timestamp()).isEqualTo(metadata.get(0).timestamp());
        assertThat(listOffsets(partition, OffsetSpec.forTimestamp(createTime)).offset()).isZero();
    }
}
