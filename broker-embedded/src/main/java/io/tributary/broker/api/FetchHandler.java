package io.tributary.broker.api;

import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.FetchParams;
import io.tributary.broker.replication.FetchPartition;
import io.tributary.broker.replication.FetchResult;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.log.AbortedTransactions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * Fetch for consumers and followers: resolves topics (names before v13, ids from v13, UNKNOWN_TOPIC_ID for an id
 * we do not know), runs the read through the {@link FetchSessions} cache (KIP-227 incremental sessions) and the
 * {@link ReplicaManager} (long polling in purgatory), and answers with zero-copy segment slices. A follower's fetch
 * carries its replica id ({@code ReplicaState.replica_id} from v15, {@code replica_id} before), its log start and
 * its last fetched epoch; it may be answered with a diverging epoch (KIP-320) instead of records. A consumer (v11+)
 * may be sent to a replica in its rack ({@link ReadReplicaSelector}, KIP-392), and is then served by followers too.
 */
final class FetchHandler implements ApiHandler<FetchRequest> {
    private final Controller controller;
    private final ReplicaManager replicaManager;
    private final FetchSessions sessions;
    private final int brokerFetchMaxBytes;
    private final BrokerMetrics metrics;
    /** Sends consumers to a replica in their rack (KIP-392); null when {@code replica.selector.class} is not set. */
    private final ReadReplicaSelector readReplicaSelector;

    FetchHandler(Controller controller, ReplicaManager replicaManager, FetchSessions sessions,
                 int brokerFetchMaxBytes, BrokerMetrics metrics, ReadReplicaSelector readReplicaSelector) {
        this.metrics = metrics;
        this.readReplicaSelector = readReplicaSelector;
        this.controller = controller;
        this.replicaManager = replicaManager;
        this.sessions = sessions;
        this.brokerFetchMaxBytes = brokerFetchMaxBytes;
    }

    @Override
    public CompletableFuture<FetchResponse> handle(RequestContext context, FetchRequest request) {
        MetadataImage image = controller.image();
        short version = context.apiVersion();
        boolean usesTopicIds = version >= 13;
        var requested = new ArrayList<FetchPartition>();
        var unknown = new LinkedHashMap<TopicIdPartition, FetchResponseData.PartitionData>();
        for (FetchRequestData.FetchTopic topicData : request.data().topics()) {
            TopicImage topic = usesTopicIds ? image.topic(topicData.topicId()) : image.topic(topicData.topic());
            for (FetchRequestData.FetchPartition partitionData : topicData.partitions()) {
                if (topic == null) {
                    var tip = new TopicIdPartition(usesTopicIds ? topicData.topicId() : Uuid.ZERO_UUID,
                            partitionData.partition(), usesTopicIds ? null : topicData.topic());
                    unknown.put(tip, FetchResponse.partitionResponse(tip,
                            usesTopicIds ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION));
                    continue;
                }
                var tip = new TopicIdPartition(topic.id(), partitionData.partition(), topic.name());
                requested.add(new FetchPartition(tip, partitionData.fetchOffset(), partitionData.partitionMaxBytes(),
                        partitionData.currentLeaderEpoch(), partitionData.lastFetchedEpoch(),
                        partitionData.logStartOffset()));
            }
        }
        FetchSessions.Context session;
        try {
            session = sessions.open(request, requested, image, usesTopicIds);
        } catch (FetchSessions.SessionError e) {
            return CompletableFuture.completedFuture(FetchResponse.of(e.error(), 0, 0, new LinkedHashMap<>(), List.of()));
        }
        boolean consumer = request.replicaId() < 0;
        // A consumer sent to a replica in its rack gets no records here, at once.
        var preferred = new HashMap<TopicIdPartition, Integer>();
        if (consumer && version >= 11 && readReplicaSelector != null) {
            for (FetchPartition partition : session.partitionsToRead()) {
                TopicIdPartition tip = partition.topicIdPartition();
                int replica = readReplicaSelector.preferredReadReplica(image, tip.topic(), tip.partition(),
                        request.rackId());
                if (replica >= 0) {
                    preferred.put(tip, replica);
                }
            }
        }
        // With replica.selector.class set, a consumer (v11+) may read from a follower, up to the follower's high
        // watermark (KIP-392); otherwise only leaders answer consumers, so a client with stale metadata is told.
        var params = new FetchParams(request.replicaId(), preferred.isEmpty() ? request.maxWait() : 0,
                request.minBytes(), Math.min(request.maxBytes(), brokerFetchMaxBytes),
                ApiHandler.isolationLevel(request.data().isolationLevel()),
                !consumer || version < 11 || readReplicaSelector == null);
        return replicaManager.fetch(params, session.partitionsToRead()).thenApply(results -> {
            var data = new LinkedHashMap<TopicIdPartition, FetchResponseData.PartitionData>(unknown);
            for (var entry : results.entrySet()) {
                TopicIdPartition tip = entry.getKey();
                FetchResult result = entry.getValue();
                Integer readReplica = preferred.get(tip);
                if (!session.include(tip, result) && readReplica == null) {
                    continue;
                }
                if (readReplica != null && result.error() == Errors.NONE) {
                    data.put(usesTopicIds ? tip : new TopicIdPartition(Uuid.ZERO_UUID, tip.topicPartition()),
                            new FetchResponseData.PartitionData().setPartitionIndex(tip.partition())
                                    .setHighWatermark(result.highWatermark())
                                    .setLastStableOffset(result.lastStableOffset())
                                    .setLogStartOffset(result.logStartOffset())
                                    .setPreferredReadReplica(readReplica)
                                    .setRecords(MemoryRecords.EMPTY));
                    continue;
                }
                var partitionData = new FetchResponseData.PartitionData()
                        .setPartitionIndex(tip.partition())
                        .setErrorCode(result.error().code())
                        .setHighWatermark(result.highWatermark())
                        .setLastStableOffset(result.lastStableOffset())
                        .setLogStartOffset(result.logStartOffset())
                        .setAbortedTransactions(abortedTransactions(result))
                        .setRecords(result.records() == null ? MemoryRecords.EMPTY : result.records());
                if (result.divergingEpoch() != null) {
                    partitionData.setDivergingEpoch(new FetchResponseData.EpochEndOffset()
                            .setEpoch(result.divergingEpoch().epoch())
                            .setEndOffset(result.divergingEpoch().endOffset()));
                }
                if (consumer && result.records() != null && result.records().sizeInBytes() > 0) {
                    metrics.recordFetched(tip.topic(), result.records().sizeInBytes());
                }
                data.put(usesTopicIds ? tip : new TopicIdPartition(Uuid.ZERO_UUID, tip.topicPartition()), partitionData);
            }
            return FetchResponse.of(Errors.NONE, 0, session.responseSessionId(), data, List.of());
        });
    }

    /** KIP-98: what a read_committed consumer must skip in the records; null under read_uncommitted. */
    private static List<FetchResponseData.AbortedTransaction> abortedTransactions(FetchResult result) {
        if (result.abortedTransactions() == null) {
            return null;
        }
        var aborted = new ArrayList<FetchResponseData.AbortedTransaction>(result.abortedTransactions().size());
        for (AbortedTransactions.AbortedTxn txn : result.abortedTransactions()) {
            aborted.add(new FetchResponseData.AbortedTransaction().setProducerId(txn.producerId())
                    .setFirstOffset(txn.firstOffset()));
        }
        return aborted;
    }
}
