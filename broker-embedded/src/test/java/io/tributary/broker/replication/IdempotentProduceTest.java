package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotent produce over the wire: the same batch sent twice (a producer's retry after a lost answer) is
 * acknowledged with its first offsets and stored once; sequence gaps and fenced epochs are refused. Two plain
 * records go first so the idempotent batch starts at offset 2, not at a coincidental 0.
 */
class IdempotentProduceTest {
    private static final String TOPIC = "idempotent";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private WireClient wire;
    private Uuid topicId;
    private long producerId;

    @BeforeEach
    void startBrokerWithTwoPlainRecords() throws Exception {
        broker = TestBroker.start(dataDir);
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, Map.of());
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "plain-0")).get();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "plain-1")).get();
        }
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            topicId = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId();
        }
        wire = WireClient.connect(broker.bootstrapServers());
        InitProducerIdResponse init = wire.send(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                .setTransactionalId(null).setTransactionTimeoutMs(60_000).setProducerId(-1)
                .setProducerEpoch((short) -1)));
        assertThat(init.error()).isEqualTo(Errors.NONE);
        assertThat(init.data().producerEpoch()).isZero();
        producerId = init.data().producerId();
    }

    @AfterEach
    void stop() {
        if (wire != null) {
            wire.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static MemoryRecords batch(long producerId, short epoch, int baseSequence, String... values) {
        var records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            records[i] = new SimpleRecord(("key-" + values[i]).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, records);
    }

    /** A Produce request (acks=all, by topic id as kafka-clients 4.2 sends it) carrying one batch. */
    private PartitionProduceResponse produce(MemoryRecords records) {
        return produceTo(TOPIC, topicId, records);
    }

    private PartitionProduceResponse produceTo(String topicName, Uuid id, MemoryRecords records) {
        var partition = new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records);
        var topic = new ProduceRequestData.TopicProduceData().setName(topicName).setTopicId(id)
                .setPartitionData(List.of(partition));
        var data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(topic).iterator()));
        ProduceResponse response = wire.send(ProduceRequest.builder(data));
        return response.data().responses().iterator().next().partitionResponses().get(0);
    }

    private long logEndOffset() throws Exception {
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            return admin.listOffsets(Map.of(PARTITION, OffsetSpec.latest())).partitionResult(PARTITION).get().offset();
        }
    }

    private List<String> storedValues(int expected) {
        return Clients.readExactly(broker.bootstrapServers(), PARTITION, 0, expected).stream()
                .map(ConsumerRecord::value).toList();
    }

    @Test
    void aRetriedBatchIsAcknowledgedWithItsOriginalOffsetsAndStoredOnce() throws Exception {
        MemoryRecords records = batch(producerId, (short) 0, 0, "a", "b", "c");

        PartitionProduceResponse first = produce(records);
        PartitionProduceResponse retry = produce(records);

        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.NONE);
        assertThat(first.baseOffset()).isEqualTo(2);
        assertThat(Errors.forCode(retry.errorCode())).isEqualTo(Errors.NONE);
        assertThat(retry.baseOffset()).isEqualTo(2);
        assertThat(logEndOffset()).isEqualTo(5);
        assertThat(storedValues(5)).containsExactly("plain-0", "plain-1", "a", "b", "c");
    }

    @Test
    void aRetryOnALogAppendTimeTopicGetsTheOriginalAppendTime() throws Exception {
        Clients.createTopic(broker.bootstrapServers(), "append-time", 1,
                Map.of("message.timestamp.type", "LogAppendTime"));
        Uuid appendTimeTopicId;
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            appendTimeTopicId = admin.describeTopics(List.of("append-time")).allTopicNames().get().get("append-time")
                    .topicId();
        }
        MemoryRecords records = batch(producerId, (short) 0, 0, "a", "b");

        PartitionProduceResponse first = produceTo("append-time", appendTimeTopicId, records);
        PartitionProduceResponse retry = produceTo("append-time", appendTimeTopicId, records);

        assertThat(first.logAppendTimeMs()).isPositive();
        assertThat(retry.baseOffset()).isEqualTo(first.baseOffset()).isZero();
        // The producer reports this time as the record's timestamp: the retry must not lose it.
        assertThat(retry.logAppendTimeMs()).isEqualTo(first.logAppendTimeMs());
    }

    @Test
    void aRetryOfAnOlderInFlightBatchIsAlsoRecognised() throws Exception {
        MemoryRecords first = batch(producerId, (short) 0, 0, "a", "b");
        assertThat(produce(first).baseOffset()).isEqualTo(2);
        assertThat(produce(batch(producerId, (short) 0, 2, "c")).baseOffset()).isEqualTo(4);

        PartitionProduceResponse retry = produce(first);

        assertThat(Errors.forCode(retry.errorCode())).isEqualTo(Errors.NONE);
        assertThat(retry.baseOffset()).isEqualTo(2);
        assertThat(logEndOffset()).isEqualTo(5);
    }

    @Test
    void aSequenceGapIsRejectedWithOutOfOrderSequenceNumber() throws Exception {
        assertThat(produce(batch(producerId, (short) 0, 0, "a", "b", "c")).baseOffset()).isEqualTo(2);

        PartitionProduceResponse gap = produce(batch(producerId, (short) 0, 5, "f"));

        assertThat(Errors.forCode(gap.errorCode())).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(logEndOffset()).isEqualTo(5);
        PartitionProduceResponse next = produce(batch(producerId, (short) 0, 3, "d"));
        assertThat(Errors.forCode(next.errorCode())).isEqualTo(Errors.NONE);
        assertThat(next.baseOffset()).isEqualTo(5);
        assertThat(storedValues(6)).containsExactly("plain-0", "plain-1", "a", "b", "c", "d");
    }

    @Test
    void anOlderProducerEpochIsRejectedWithInvalidProducerEpoch() throws Exception {
        assertThat(produce(batch(producerId, (short) 0, 0, "a")).baseOffset()).isEqualTo(2);
        // The producer bumped its epoch (KIP-360) and restarted its sequence.
        assertThat(produce(batch(producerId, (short) 1, 0, "b")).baseOffset()).isEqualTo(3);

        PartitionProduceResponse zombie = produce(batch(producerId, (short) 0, 1, "zombie"));

        assertThat(Errors.forCode(zombie.errorCode())).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(logEndOffset()).isEqualTo(4);
    }

    @Test
    void aNewEpochThatDoesNotStartAtSequenceZeroIsOutOfOrder() throws Exception {
        produce(batch(producerId, (short) 0, 0, "a"));

        PartitionProduceResponse response = produce(batch(producerId, (short) 1, 3, "b"));

        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }

    @Test
    void producerStateSurvivesARestartSoARetryIsStillADuplicate() throws Exception {
        assertThat(produce(batch(producerId, (short) 0, 0, "a", "b", "c")).baseOffset()).isEqualTo(2);
        MemoryRecords last = batch(producerId, (short) 0, 3, "d", "e");
        assertThat(produce(last).baseOffset()).isEqualTo(5);

        wire.close();
        broker.restart();
        wire = WireClient.connect(broker.bootstrapServers());

        PartitionProduceResponse retry = produce(last);
        assertThat(Errors.forCode(retry.errorCode())).isEqualTo(Errors.NONE);
        assertThat(retry.baseOffset()).isEqualTo(5);
        PartitionProduceResponse gap = produce(batch(producerId, (short) 0, 9, "x"));
        assertThat(Errors.forCode(gap.errorCode())).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(logEndOffset()).isEqualTo(7);
        assertThat(storedValues(7)).containsExactly("plain-0", "plain-1", "a", "b", "c", "d", "e");
    }

    @Test
    void aKafkaProducerWithIdempotenceStoresEveryRecordOnceInOrder() throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                Map.of("enable.idempotence", true, "max.in.flight.requests.per.connection", 5, "linger.ms", 0))) {
            for (int i = 0; i < 200; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "idem-" + i));
            }
            producer.flush();
        }

        List<String> values = storedValues(202);
        assertThat(values).hasSize(202);
        assertThat(values.subList(2, 202)).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 200).mapToObj(i -> "idem-" + i).toList());
        assertThat(logEndOffset()).isEqualTo(202);
    }
}
