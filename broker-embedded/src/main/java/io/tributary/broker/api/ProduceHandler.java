package io.tributary.broker.api;

import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.TransactionCoordinator;
import io.tributary.broker.txn.TransactionVerifier;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
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
 * {@link ReplicaManager} and answers per partition. acks=0 gets no response at all, as in Kafka. A producer's first
 * transactional batch in a partition is verified with its transaction coordinator (KIP-890) under the request's
 * transactional id.
 */
final class ProduceHandler implements ApiHandler<ProduceRequest> {
    private final Controller controller;
    private final ReplicaManager replicaManager;
    private final TransactionCoordinator transactions;
    private final BrokerMetrics metrics;

    ProduceHandler(Controller controller, ReplicaManager replicaManager, TransactionCoordinator transactions,
                   BrokerMetrics metrics) {
        this.controller = controller;
        this.replicaManager = replicaManager;
        this.transactions = transactions;
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
                if (acks != 0 && acks != 1 && acks != -1) {
                    responses.put(tip, new PartitionResponse(Errors.INVALID_REQUIRED_ACKS));
                } else if (topic == null) {
                    responses.put(tip, new PartitionResponse(byId ? Errors.UNKNOWN_TOPIC_ID
                            : Errors.UNKNOWN_TOPIC_OR_PARTITION));
                } else if (Topic.isInternal(name)) {
                    // Only the coordinators write to __consumer_offsets and __transaction_state.
                    responses.put(tip, new PartitionResponse(Errors.INVALID_TOPIC_EXCEPTION));
                } else if (!(partitionData.records() instanceof MemoryRecords records)) {
                    responses.put(tip, new PartitionResponse(Errors.CORRUPT_MESSAGE));
                } else if (toAppend.containsKey(tip.topicPartition())) {
                    responses.put(tip, new PartitionResponse(Errors.INVALID_REQUEST));
                } else {
                    toAppend.put(tip.topicPartition(), records);
                    ids.put(tip.topicPartition(), tip);
                    responses.put(tip, null);
                }
            }
        }
        String transactionalId = request.transactionalId();
        TransactionVerifier verifier = (producerId, epoch, tp) -> transactions.verify(transactionalId, producerId,
                epoch, tp);
        return replicaManager.appendRecords(acks, toAppend, verifier).thenApply(appended -> {
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

    /** Bytes and records appended, for the broker's meters: one pass over the batch headers, no record decoded. */
    private void countAppended(String topic, MemoryRecords records) {
        long count = 0;
        for (RecordBatch batch : records.batches()) {
            count += batch.nextOffset() - batch.baseOffset();
        }
        metrics.recordProduced(topic, records.sizeInBytes(), count);
    }
}
