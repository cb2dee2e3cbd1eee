package io.tributary.broker.api;

import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestContext;

/**
 * ListOffsets: EARLIEST (and EARLIEST_LOCAL) is the log start offset, LATEST the high watermark (the last stable
 * offset under read_committed), MAX_TIMESTAMP the record with the largest timestamp, and a timestamp the first
 * offset whose timestamp is at or above it, found through the time index; -1 when there is none. Both searches
 * look at the whole log and answer -1 when what they find lies at or above the high watermark (the last stable
 * offset under read_committed), as Kafka does. A special (negative) timestamp older than the request's version, or
 * one Kafka does not know, is UNSUPPORTED_VERSION (Kafka's ReplicaManager.isListOffsetsTimestampUnsupported). A
 * partition in an offline log directory is KAFKA_STORAGE_ERROR: its log may end in a torn write. A replica's
 * request (a broker id) reads up to the log end, as Kafka answers followers.
 */
final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {
    /** The first ListOffsets version that knows each special timestamp (KIP-734, KIP-405, KIP-1005, KIP-1023). */
    private static final Map<Long, Short> FIRST_VERSION_OF_SPECIAL_TIMESTAMP = Map.of(
            ListOffsetsRequest.EARLIEST_TIMESTAMP, (short) 1,
            ListOffsetsRequest.LATEST_TIMESTAMP, (short) 1,
            ListOffsetsRequest.MAX_TIMESTAMP, (short) 7,
            ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP, (short) 8,
            ListOffsetsRequest.LATEST_TIERED_TIMESTAMP, (short) 9,
            ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP, (short) 11);

    private final ReplicaManager replicaManager;

    ListOffsetsHandler(ReplicaManager replicaManager) {
        this.replicaManager = replicaManager;
    }

    @Override
    public CompletableFuture<ListOffsetsResponse> handle(RequestContext context, ListOffsetsRequest request) {
        var data = new ListOffsetsResponseData();
        var duplicates = request.duplicatePartitions();
        IsolationLevel isolation = ApiHandler.isolationLevel(request.data().isolationLevel());
        // Kafka's ReplicaManager.fetchOffset: a client's request reads per its isolation level from the leader; a
        // replica's (a broker id) reads up to the log end from the leader, a debugging one from any replica.
        int replicaId = request.replicaId();
        var scope = new Scope(replicaId == ListOffsetsRequest.CONSUMER_REPLICA_ID ? isolation : null,
                replicaId != ListOffsetsRequest.DEBUGGING_REPLICA_ID);
        for (ListOffsetsTopic topic : request.topics()) {
            var topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
            for (ListOffsetsPartition partition : topic.partitions()) {
                var tp = new TopicPartition(topic.name(), partition.partitionIndex());
                var response = new ListOffsetsPartitionResponse().setPartitionIndex(partition.partitionIndex())
                        .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
                if (duplicates.contains(tp)) {
                    response.setErrorCode(Errors.INVALID_REQUEST.code());
                } else if (unsupported(partition.timestamp(), context.apiVersion())) {
                    response.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
                } else {
                    lookup(replicaManager.partition(tp), replicaManager.absentPartitionError(tp), partition, scope,
                            response);
                }
                if (context.apiVersion() < 4) {
                    // LeaderEpoch exists from v4 on and is not ignorable: older clients (librdkafka's v2, for
                    // one) get the default, or the response cannot be serialised at all.
                    response.setLeaderEpoch(-1);
                }
                topicResponse.partitions().add(response);
            }
            data.topics().add(topicResponse);
        }
        return CompletableFuture.completedFuture(new ListOffsetsResponse(data));
    }

    private static boolean unsupported(long timestamp, short version) {
        return timestamp < 0 && version < FIRST_VERSION_OF_SPECIAL_TIMESTAMP.getOrDefault(timestamp, Short.MAX_VALUE);
    }

    /**
     * Who asks: a client reads below its isolation level's bound; a replica ({@code isolation} null) up to the log
     * end. {@code leaderOnly} is false only for a debugging request, which any replica answers.
     */
    private record Scope(IsolationLevel isolation, boolean leaderOnly) {
    }

    private static void lookup(Partition partition, Errors absentError, ListOffsetsPartition requested, Scope scope,
                               ListOffsetsPartitionResponse response) {
        if (partition == null) {
            response.setErrorCode(absentError.code());
            return;
        }
        try {
            partition.checkOnline();
            partition.checkLeaderEpoch(requested.currentLeaderEpoch());
            if (scope.leaderOnly() && !partition.isLeader()) {
                response.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
                return;
            }
            long upper = scope.isolation() == null ? partition.logEndOffset()
                    : scope.isolation() == IsolationLevel.READ_COMMITTED
                    ? partition.lastStableOffset() : partition.highWatermark();
            // KIP-207: a new leader whose high watermark has not yet reached the start of its epoch cannot tell a
            // client the latest offset; OFFSET_NOT_AVAILABLE makes the client retry.
            boolean laggingHighWatermark = scope.isolation() != null
                    && partition.leaderEpochStartOffset() > partition.highWatermark();
            long timestamp = requested.timestamp();
            if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP
                    || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                long offset = partition.logStartOffset();
                response.setOffset(offset).setLeaderEpoch(epochAt(partition, offset));
            } else if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP) {
                if (laggingHighWatermark) {
                    response.setErrorCode(Errors.OFFSET_NOT_AVAILABLE.code());
                    return;
                }
                response.setOffset(upper).setLeaderEpoch(partition.leaderEpoch());
            } else if (timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP
                    || timestamp == ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP) {
                // KIP-1005 / KIP-1023: nothing is tiered, so there is no such offset; Kafka answers -1 (the
                // response's defaults) for a topic without remote storage, not an error.
                response.setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1);
            } else {
                // MAX_TIMESTAMP, as Kafka (Partition.fetchOffsetForTimestamp, then ReplicaManager): the record with
                // the largest timestamp in the whole log, answered only when it lies below the bound. Under
                // read_committed with that record in an open transaction the answer is none, not the largest
                // timestamp among the stable records. A timestamp: the first record at or after it, likewise.
                PartitionLog log = partition.log();
                FileRecords.TimestampAndOffset found = timestamp == ListOffsetsRequest.MAX_TIMESTAMP
                        ? log.maxTimestampOffset(log.logEndOffset())
                        : log.offsetForTimestamp(timestamp, Long.MAX_VALUE);
                if (found != null && found.offset >= upper && laggingHighWatermark) {
                    response.setErrorCode(Errors.OFFSET_NOT_AVAILABLE.code());
                    return;
                }
                set(response, found != null && found.offset < upper ? found : null);
            }
        } catch (ApiException e) {
            response.setErrorCode(Errors.forException(e).code());
        }
    }

    private static void set(ListOffsetsPartitionResponse response, FileRecords.TimestampAndOffset found) {
        if (found != null) {
            response.setTimestamp(found.timestamp).setOffset(found.offset)
                    .setLeaderEpoch(found.leaderEpoch.orElse(-1));
        }
    }

    private static int epochAt(Partition partition, long offset) {
        var entries = partition.log().epochs().entries();
        int epoch = -1;
        for (var entry : entries) {
            if (entry.startOffset() <= offset) {
                epoch = entry.epoch();
            }
        }
        return epoch;
    }

}
