package io.tributary.broker.api;

import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.TransactionVerifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ProduceResponse.PartitionResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * Produce: resolves topics (by name, or by id from v13), appends each partition's batches through the
 * {@link ReplicaManager} and answers per partition: acks=all once replicated to the ISR, or REQUEST_TIMED_OUT after
 * the request's {@code timeout_ms}. acks=0 gets no response at all, as in Kafka. A producer's first
 * transactional batch in a partition is verified with its transaction coordinator (KIP-890) under the request's
 * transactional id.
 *
 * <p>Checks each partition in Kafka's order ({@code KafkaApis.handleProduceRequest}, then
 * {@code ReplicaManager.appendRecords}): the topic and partition must exist, then
 * {@link ProduceRequest#validateRecords} (exactly one batch, magic v2, no zstd below v7: INVALID_RECORD or
 * UNSUPPORTED_COMPRESSION_TYPE), then acks, then internal topics.
 */
final class ProduceHandler implements ApiHandler<ProduceRequest> {
    /** Produce v11 (KIP-890) knows TRANSACTION_ABORTABLE; older clients are told INVALID_TXN_STATE. */
    private static final short TRANSACTION_ABORTABLE_MIN_VERSION = 11;
    /** From v12 a transactional producer follows transaction version 2, where Kafka retries these itself. */
    private static final short TRANSACTION_V2_MIN_VERSION = 12;

    private final Controller controller;
    private final ReplicaManager replicaManager;
    private final TxnVerification verification;
    private final BrokerMetrics metrics;

    ProduceHandler(Controller controller, ReplicaManager replicaManager, TxnVerification verification,
                   BrokerMetrics metrics) {
        this.controller = controller;
        this.replicaManager = replicaManager;
        this.verification = verification;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<ProduceResponse> handle(RequestContext context, ProduceRequest request) {
        short acks = request.acks();
        MetadataImage image = controller.image();
        var responses = new LinkedHashMap<TopicIdPartition, PartitionResponse>();
        var toAppend = new LinkedHashMap<TopicPartition, MemoryRecords>();
        var ids = new HashMap<TopicPartition, TopicIdPartition>();
        for (ProduceRequestData.TopicProduceData topicData : request.data().topicData()) {
            boolean byId = topicData.topicId() != null && !Uuid.ZERO_UUID.equals(topicData.topicId());
            TopicImage topic = byId ? image.topic(topicData.topicId()) : image.topic(topicData.name());
            for (ProduceRequestData.PartitionProduceData partitionData : topicData.partitionData()) {
                String name = topic != null ? topic.name() : topicData.name();
                Uuid id = byId ? topicData.topicId() : topic != null ? topic.id() : Uuid.ZERO_UUID;
                var tip = new TopicIdPartition(id, partitionData.index(), name);
                Errors refused = refusal(topic, byId, partitionData, acks, request.version());
                if (refused != Errors.NONE) {
                    responses.put(tip, new PartitionResponse(refused));
                } else if (toAppend.containsKey(tip.topicPartition())) {
                    responses.put(tip, new PartitionResponse(Errors.INVALID_REQUEST));
                } else {
                    toAppend.put(tip.topicPartition(), (MemoryRecords) partitionData.records());
                    ids.put(tip.topicPartition(), tip);
                    responses.put(tip, null);
                }
            }
        }
        String transactionalId = request.transactionalId();
        short version = request.version();
        if (transactionalId != null && !verification.isLocal(transactionalId)) {
            return verifyRemotelyAndAppend(request, transactionalId, toAppend, ids, responses);
        }
        // Without a transactional id no coordinator can vouch for a transactional batch.
        TransactionVerifier verifier = (producerId, epoch, tp) -> transactionalId == null ? Errors.INVALID_TXN_STATE
                : verificationError(verification.verifyLocally(transactionalId, producerId, epoch, tp), version);
        return append(request, toAppend, ids, responses, verifier);
    }

    /**
     * The transaction coordinator runs on another node: the partitions where the producer has no transaction open
     * yet are verified there first, and the append then takes those answers (a partition whose transaction ended in
     * between is told to retry).
     */
    private CompletableFuture<ProduceResponse> verifyRemotelyAndAppend(
            ProduceRequest request, String transactionalId, Map<TopicPartition, MemoryRecords> toAppend,
            Map<TopicPartition, TopicIdPartition> ids, Map<TopicIdPartition, PartitionResponse> responses) {
        RecordBatch producerBatch = null;
        var needing = new ArrayList<TopicPartition>();
        for (var entry : toAppend.entrySet()) {
            RecordBatch batch = entry.getValue().firstBatch();
            if (batch != null && batch.isTransactional()
                    && !replicaManager.inTransaction(entry.getKey(), batch.producerId())) {
                needing.add(entry.getKey());
                producerBatch = batch;
            }
        }
        short version = request.version();
        if (producerBatch == null) {
            return append(request, toAppend, ids, responses, (producerId, epoch, tp) -> Errors.NOT_ENOUGH_REPLICAS);
        }
        return verification.verifyRemotely(transactionalId, producerBatch.producerId(), producerBatch.producerEpoch(),
                needing).thenCompose(answers -> append(request, toAppend, ids, responses, (producerId, epoch, tp) ->
                verificationError(answers.getOrDefault(tp, Errors.NOT_COORDINATOR), version)));
    }

    private CompletableFuture<ProduceResponse> append(ProduceRequest request,
                                                      Map<TopicPartition, MemoryRecords> toAppend,
                                                      Map<TopicPartition, TopicIdPartition> ids,
                                                      Map<TopicIdPartition, PartitionResponse> responses,
                                                      TransactionVerifier verifier) {
        short acks = request.acks();
        return replicaManager.appendRecords(acks, request.timeout(), toAppend, verifier).thenApply(appended -> {
            appended.forEach((tp, response) -> {
                responses.put(ids.get(tp), response);
                if (response.error == Errors.NONE) {
                    countAppended(tp.topic(), toAppend.get(tp));
                }
            });
            if (acks == 0) {
                for (var entry : responses.entrySet()) {
                    if (entry.getValue().error != Errors.NONE) {
                        throw new CloseConnectionException("acks=0 produce to " + entry.getKey() + " failed: "
                                + entry.getValue().error);
                    }
                }
                return null;
            }
            return new ProduceResponse(responses);
        });
    }

    /** Why a partition's data is refused before any log sees it, in Kafka's order; NONE when it goes on. */
    private static Errors refusal(TopicImage topic, boolean byId, ProduceRequestData.PartitionProduceData data,
                                  short acks, short version) {
        if (topic == null) {
            return byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (!topic.partitions().containsKey(data.index())) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (!(data.records() instanceof MemoryRecords records)) {
            return Errors.CORRUPT_MESSAGE;
        }
        Errors invalid = checkRecords(version, records);
        if (invalid != Errors.NONE) {
            return invalid;
        }
        if (acks != 0 && acks != 1 && acks != -1) {
            return Errors.INVALID_REQUIRED_ACKS;
        }
        // Only the coordinators write to __consumer_offsets and __transaction_state.
        return Topic.isInternal(topic.name()) ? Errors.INVALID_TOPIC_EXCEPTION : Errors.NONE;
    }

    /**
     * Kafka's {@link ProduceRequest#validateRecords}: the version's rules for a partition's records, read from the
     * first two batch headers. A batch whose header is beyond reading here is left to the log's validation
     * (CORRUPT_MESSAGE).
     */
    private static Errors checkRecords(short version, MemoryRecords records) {
        try {
            ProduceRequest.validateRecords(version, records);
            return Errors.NONE;
        } catch (ApiException e) {
            return Errors.forException(e);
        } catch (IllegalArgumentException e) {
            // An unknown codec id or a length that overflows: RecordBatchValidator names it a corrupt batch.
            return Errors.NONE;
        }
    }

    /**
     * The coordinator's KIP-890 answer as the producer is told it (Kafka's {@code AddPartitionsToTxnManager} and
     * {@code ReplicaManager.handleProduceAppend}): a fenced epoch is INVALID_PRODUCER_EPOCH, which producers
     * handle here; a partition outside the transaction is INVALID_TXN_STATE below v11; and a coordinator that
     * cannot answer yet (or a transaction being ended, below v12) is NOT_ENOUGH_REPLICAS, which every client
     * retries without a metadata refresh.
     */
    private static Errors verificationError(Errors error, short version) {
        return switch (error) {
            case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH;
            case TRANSACTION_ABORTABLE ->
                    version < TRANSACTION_ABORTABLE_MIN_VERSION ? Errors.INVALID_TXN_STATE : error;
            case NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR ->
                    Errors.NOT_ENOUGH_REPLICAS;
            case CONCURRENT_TRANSACTIONS -> version < TRANSACTION_V2_MIN_VERSION ? Errors.NOT_ENOUGH_REPLICAS : error;
            default -> error;
        };
    }

    /** Bytes and records appended, for the broker's meters: one pass over the batch headers, no record decoded. */
    private void countAppended(String topic, MemoryRecords records) {
        long count = 0;
        for (RecordBatch batch : records.batches()) {
            count += batch.nextOffset() - batch.baseOffset();
        }
        metrics.recordProduced(topic, records.sizeInBytes(), count);
    }
}
