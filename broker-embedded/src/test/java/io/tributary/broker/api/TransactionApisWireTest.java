package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction APIs as raw requests, so the exact error codes are checked: routing before and after
 * {@code __transaction_state} exists, timeouts, unknown partitions, invalid transitions, old request versions, and
 * KIP-890's verification of a transactional write the coordinator does not know about.
 */
class TransactionApisWireTest {
    private static final String TOPIC = "ledger";
    private static final String TXN = "ledger-writer";

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private WireClient wire;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("transaction.state.log.num.partitions", "2",
                "transaction.max.timeout.ms", "60000"));
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 2, Map.of());
        wire = WireClient.connect(broker.bootstrapServers());
    }

    @AfterEach
    void stop() {
        wire.close();
        broker.close();
    }

    private InitProducerIdResponse init(String transactionalId, int timeoutMs, short version) {
        return wire.send(new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                .setTransactionalId(transactionalId).setTransactionTimeoutMs(timeoutMs).setProducerId(-1)
                .setProducerEpoch((short) -1)), version);
    }

    private void findCoordinator(String transactionalId) {
        FindCoordinatorResponse response = wire.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData()
                .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id())
                .setCoordinatorKeys(List.of(transactionalId))));
        assertThat(response.data().coordinators().get(0).errorCode()).isEqualTo(Errors.NONE.code());
    }

    private Map<TopicPartition, Errors> addPartitions(long producerId, short epoch, short version,
                                                      TopicPartition... partitions) {
        AddPartitionsToTxnResponse response = wire.send(AddPartitionsToTxnRequest.Builder.forClient(TXN, producerId,
                epoch, List.of(partitions)), version);
        return response.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID);
    }

    /**
     * InitProducerId with {@code data} as it is: kafka-clients' builder refuses an empty transactional id and a
     * timeout of 0 itself, so the request is decoded from its bytes.
     */
    private InitProducerIdResponse initAsIs(InitProducerIdRequestData data, short version) {
        InitProducerIdRequest request = InitProducerIdRequest.parse(MessageUtil.toByteBufferAccessor(data, version),
                version);
        return wire.send(new AbstractRequest.Builder<InitProducerIdRequest>(ApiKeys.INIT_PRODUCER_ID, version,
                version) {
            @Override
            public InitProducerIdRequest build(short buildVersion) {
                return request;
            }
        }, version);
    }

    private InitProducerIdResponse reinit(long producerId, short epoch, short version) {
        return wire.send(new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(TXN)
                .setTransactionTimeoutMs(30_000).setProducerId(producerId).setProducerEpoch(epoch)), version);
    }

    private Errors addOffsets(long producerId, short epoch, short version) {
        AddOffsetsToTxnResponse response = wire.send(new AddOffsetsToTxnRequest.Builder(new AddOffsetsToTxnRequestData()
                .setTransactionalId(TXN).setProducerId(producerId).setProducerEpoch(epoch).setGroupId("ledger-group")),
                version);
        return Errors.forCode(response.data().errorCode());
    }

    private Errors endTxn(long producerId, short epoch, boolean commit, short version) {
        EndTxnResponse response = wire.send(new EndTxnRequest.Builder(new EndTxnRequestData().setTransactionalId(TXN)
                .setProducerId(producerId).setProducerEpoch(epoch).setCommitted(commit), false), version);
        return response.error();
    }

    private Errors produceTransactional(String transactionalId, long producerId, short epoch, int sequence,
                                        int partition) {
        return produceTransactional(transactionalId, producerId, epoch, sequence, partition, (short) 11);
    }

    private Errors produceTransactional(String transactionalId, long producerId, short epoch, int sequence,
                                        int partition, short version) {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, sequence,
                new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)));
        var data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTransactionalId(transactionalId);
        var topic = new ProduceRequestData.TopicProduceData().setName(TOPIC);
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition)
                .setRecords(records));
        data.topicData().add(topic);
        ProduceResponse response = wire.send(new ProduceRequest.Builder(ApiKeys.PRODUCE.oldestVersion(), version,
                data), version);
        return Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    @Test
    void initProducerIdAnswersCoordinatorNotAvailableUntilTheTopicExistsThenBumpsTheEpoch() {
        assertThat(init(TXN, 30_000, (short) 4).error()).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        findCoordinator(TXN);
        InitProducerIdResponse first = init(TXN, 30_000, (short) 0);
        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.data().producerEpoch()).isZero();
        InitProducerIdResponse second = init(TXN, 30_000, (short) 4);
        assertThat(second.data().producerId()).isEqualTo(first.data().producerId());
        assertThat(second.data().producerEpoch()).isEqualTo((short) 1);
        assertThat(init(TXN, 60_001, (short) 4).error()).isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    }

    @Test
    void addPartitionsWithAnUnknownPartitionAddsNothing() {
        findCoordinator(TXN);
        InitProducerIdResponse producer = init(TXN, 30_000, (short) 4);
        long id = producer.data().producerId();
        short epoch = producer.data().producerEpoch();
        assertThat(addPartitions(id, epoch, (short) 3, new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 7)))
                .containsExactlyInAnyOrderEntriesOf(Map.of(new TopicPartition(TOPIC, 0), Errors.OPERATION_NOT_ATTEMPTED,
                        new TopicPartition(TOPIC, 7), Errors.UNKNOWN_TOPIC_OR_PARTITION));
        // Nothing was added, so there is no transaction to end.
        assertThat(endTxn(id, epoch, true, (short) 3)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(addPartitions(id + 1, epoch, (short) 0, new TopicPartition(TOPIC, 0)))
                .containsEntry(new TopicPartition(TOPIC, 0), Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(addPartitions(id, (short) (epoch - 1), (short) 2, new TopicPartition(TOPIC, 0)))
                .containsEntry(new TopicPartition(TOPIC, 0), Errors.PRODUCER_FENCED);
    }

    @Test
    void transactionalWriteIsVerifiedWithItsCoordinator() {
        findCoordinator(TXN);
        InitProducerIdResponse producer = init(TXN, 30_000, (short) 4);
        long id = producer.data().producerId();
        short epoch = producer.data().producerEpoch();
        // Not added to the transaction: refused, nothing appended. Produce v11 (KIP-890) is told
        // TRANSACTION_ABORTABLE, older versions INVALID_TXN_STATE (Kafka's AddPartitionsToTxnManager).
        assertThat(produceTransactional(TXN, id, epoch, 0, 0)).isEqualTo(Errors.TRANSACTION_ABORTABLE);
        assertThat(produceTransactional(TXN, id, epoch, 0, 0, (short) 10)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(produceTransactional(null, id, epoch, 0, 0)).isEqualTo(Errors.INVALID_TXN_STATE);

        assertThat(addPartitions(id, epoch, (short) 3, new TopicPartition(TOPIC, 0)))
                .containsEntry(new TopicPartition(TOPIC, 0), Errors.NONE);
        assertThat(produceTransactional(TXN, id, epoch, 0, 0)).isEqualTo(Errors.NONE);
        // v4+ (broker to coordinator) verifyOnly: partition 0 is in the transaction, partition 1 is not.
        AddPartitionsToTxnResponse verified = wire.send(AddPartitionsToTxnRequest.Builder.forBroker(
                new AddPartitionsToTxnTransactionCollection(List.of(new AddPartitionsToTxnTransaction()
                        .setTransactionalId(TXN).setProducerId(id).setProducerEpoch(epoch).setVerifyOnly(true)
                        .setTopics(new AddPartitionsToTxnTopicCollection(List.of(new AddPartitionsToTxnTopic()
                                .setName(TOPIC).setPartitions(List.of(0, 1))).iterator()))).iterator())));
        assertThat(verified.errors().get(TXN)).containsExactlyInAnyOrderEntriesOf(Map.of(
                new TopicPartition(TOPIC, 0), Errors.NONE, new TopicPartition(TOPIC, 1), Errors.TRANSACTION_ABORTABLE));

        assertThat(endTxn(id, epoch, true, (short) 0)).isEqualTo(Errors.NONE);
        assertThat(endTxn(id, epoch, true, (short) 3)).isEqualTo(Errors.NONE);
        assertThat(endTxn(id, epoch, false, (short) 3)).isEqualTo(Errors.INVALID_TXN_STATE);
        // A late write of the finished transaction would open a transaction no marker closes: refused.
        assertThat(produceTransactional(TXN, id, epoch, 1, 0)).isEqualTo(Errors.TRANSACTION_ABORTABLE);
    }

    @Test
    void endTxnForAnUnknownTransactionalIdIsAnInvalidMapping() {
        findCoordinator(TXN);
        assertThat(endTxn(1234, (short) 0, true, (short) 4)).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void retriedEpochBumpIsAnsweredWithTheCurrentEpoch() {
        findCoordinator(TXN);
        InitProducerIdResponse first = init(TXN, 30_000, (short) 4);
        long id = first.data().producerId();
        InitProducerIdResponse bumped = reinit(id, (short) 0, (short) 4);
        assertThat(bumped.error()).isEqualTo(Errors.NONE);
        assertThat(bumped.data().producerEpoch()).isEqualTo((short) 1);
        // KIP-360: the answer to the bump was lost and the producer sends it again.
        InitProducerIdResponse retried = reinit(id, (short) 0, (short) 5);
        assertThat(retried.error()).isEqualTo(Errors.NONE);
        assertThat(retried.data().producerId()).isEqualTo(id);
        assertThat(retried.data().producerEpoch()).isEqualTo((short) 1);
        // The producer goes on at epoch 1.
        assertThat(addPartitions(id, (short) 1, (short) 3, new TopicPartition(TOPIC, 0)))
                .containsEntry(new TopicPartition(TOPIC, 0), Errors.NONE);
        assertThat(produceTransactional(TXN, id, (short) 1, 0, 0)).isEqualTo(Errors.NONE);
        assertThat(endTxn(id, (short) 1, true, (short) 3)).isEqualTo(Errors.NONE);
    }

    @Test
    void fencedProducerIsToldInvalidProducerEpochByVersionsBeforeKip588() {
        findCoordinator(TXN);
        long id = init(TXN, 30_000, (short) 4).data().producerId();
        assertThat(init(TXN, 30_000, (short) 4).data().producerEpoch()).isEqualTo((short) 1);
        short fenced = 0;
        var tp = new TopicPartition(TOPIC, 0);
        assertThat(reinit(id, fenced, (short) 3).error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(reinit(id, fenced, (short) 4).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(addPartitions(id, fenced, (short) 1, tp)).containsEntry(tp, Errors.INVALID_PRODUCER_EPOCH);
        assertThat(addPartitions(id, fenced, (short) 2, tp)).containsEntry(tp, Errors.PRODUCER_FENCED);
        assertThat(addOffsets(id, fenced, (short) 1)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(addOffsets(id, fenced, (short) 2)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(endTxn(id, fenced, false, (short) 1)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(endTxn(id, fenced, false, (short) 2)).isEqualTo(Errors.PRODUCER_FENCED);
        // A fenced transactional write fails KIP-890 verification: producers handle INVALID_PRODUCER_EPOCH there.
        assertThat(produceTransactional(TXN, id, fenced, 0, 0)).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
    }

    @Test
    void emptyTransactionalIdIsAnInvalidRequestBeforeTheTimeoutIsChecked() {
        for (short version = 0; version <= 5; version++) {
            InitProducerIdResponse response = initAsIs(new InitProducerIdRequestData().setTransactionalId("")
                    .setTransactionTimeoutMs(0), version);
            assertThat(response.error()).as("v%d", version).isEqualTo(Errors.INVALID_REQUEST);
        }
    }

    @Test
    void producerIdWithoutEpochIsAnInvalidRequest() {
        findCoordinator(TXN);
        long id = init(TXN, 30_000, (short) 4).data().producerId();
        assertThat(reinit(id, (short) -1, (short) 4).error()).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(reinit(-1, (short) 0, (short) 4).error()).isEqualTo(Errors.INVALID_REQUEST);
        InitProducerIdResponse idempotent = initAsIs(new InitProducerIdRequestData().setTransactionalId(null)
                .setTransactionTimeoutMs(30_000).setProducerId(id).setProducerEpoch((short) -1), (short) 4);
        assertThat(idempotent.error()).isEqualTo(Errors.INVALID_REQUEST);
    }
}
