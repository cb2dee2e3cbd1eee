package io.tributary.broker.server;

import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.InterBrokerSender;
import io.tributary.broker.txn.TransactionMarkers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * The transaction coordinator's markers in a cluster: each partition's marker goes to its leader, written here for
 * the partitions this node leads and sent as WriteTxnMarkers to the other leaders (Kafka's
 * {@code TransactionMarkerChannelManager}). A partition without a leader, or whose leader cannot be reached, answers
 * NOT_LEADER_OR_FOLLOWER, and the coordinator retries it.
 */
final class ClusterTxnMarkers implements TransactionMarkers {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ClusterTxnMarkers.class);
    private final int nodeId;
    private final TransactionMarkers local;
    private final InterBrokerSender sender;
    private final Supplier<MetadataImage> image;

    ClusterTxnMarkers(int nodeId, TransactionMarkers local, InterBrokerSender sender, Supplier<MetadataImage> image) {
        this.nodeId = nodeId;
        this.local = local;
        this.sender = sender;
        this.image = image;
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch,
                                                                int coordinatorEpoch, boolean commit,
                                                                Collection<TopicPartition> partitions) {
        MetadataImage current = image.get();
        var byLeader = new LinkedHashMap<Integer, List<TopicPartition>>();
        var results = new LinkedHashMap<TopicPartition, Errors>();
        for (TopicPartition tp : partitions) {
            int leader = leaderOf(current, tp);
            // A deleted partition takes no marker (the coordinator drops it); a leaderless one is retried.
            results.put(tp, leader == NO_PARTITION ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.NOT_LEADER_OR_FOLLOWER);
            if (leader >= 0) {
                byLeader.computeIfAbsent(leader, id -> new ArrayList<>()).add(tp);
            }
        }
        var pending = new ArrayList<CompletableFuture<Map<TopicPartition, Errors>>>();
        byLeader.forEach((leader, led) -> pending.add(leader == nodeId
                ? local.write(producerId, producerEpoch, coordinatorEpoch, commit, led)
                : remote(leader, producerId, producerEpoch, coordinatorEpoch, commit, led)));
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            for (CompletableFuture<Map<TopicPartition, Errors>> written : pending) {
                results.putAll(written.join());
            }
            return results;
        });
    }

    private CompletableFuture<Map<TopicPartition, Errors>> remote(int leader, long producerId, short producerEpoch,
                                                                 int coordinatorEpoch, boolean commit,
                                                                 List<TopicPartition> partitions) {
        var entry = new WriteTxnMarkersRequest.TxnMarkerEntry(producerId, producerEpoch, coordinatorEpoch,
                commit ? TransactionResult.COMMIT : TransactionResult.ABORT, partitions, (short) 0);
        return sender.send(leader, new WriteTxnMarkersRequest.Builder(List.of(entry))).handle((answer, failure) -> {
            if (failure != null) {
                log.debug("Cannot send transaction markers of producer {} to node {}: {}", producerId, leader,
                        failure.toString());
            }
            var errors = new LinkedHashMap<TopicPartition, Errors>();
            Map<TopicPartition, Errors> written = failure == null
                    ? ((WriteTxnMarkersResponse) answer).errorsByProducerId().get(producerId) : null;
            for (TopicPartition tp : partitions) {
                Errors error = written == null ? null : written.get(tp);
                errors.put(tp, error == null ? Errors.NOT_LEADER_OR_FOLLOWER : error);
            }
            return errors;
        });
    }

    private static final int NO_PARTITION = -2;

    /** The partition's leader, -1 when it has none, {@link #NO_PARTITION} when the image has no such partition. */
    private static int leaderOf(MetadataImage image, TopicPartition tp) {
        TopicImage topic = image.topic(tp.topic());
        PartitionRegistration partition = topic == null ? null : topic.partitions().get(tp.partition());
        return partition == null ? NO_PARTITION : partition.leader();
    }
}
