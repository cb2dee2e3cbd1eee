package io.tributary.broker.server;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.TransactionMarkers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;

/**
 * Writes transaction markers to the partitions this node leads. A marker in {@code __consumer_offsets} also tells
 * the group coordinator, which makes the producer's transactional offset commits visible (commit) or drops them
 * (abort), right after the marker is in the log.
 */
final class TransactionMarkerWriter implements TransactionMarkers {
    private final ReplicaManager replicaManager;
    private final GroupCoordinator groups;

    TransactionMarkerWriter(ReplicaManager replicaManager, GroupCoordinator groups) {
        this.replicaManager = replicaManager;
        this.groups = groups;
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch,
                                                                int coordinatorEpoch, boolean commit,
                                                                Collection<TopicPartition> partitions) {
        var results = new LinkedHashMap<TopicPartition, Errors>();
        var written = new ArrayList<CompletableFuture<Void>>();
        for (TopicPartition tp : partitions) {
            results.put(tp, Errors.NONE);
            // Each marker answers once replicated (acks=all); the group coordinator learns of it only then.
            written.add(replicaManager.appendTxnMarker(tp, producerId, producerEpoch, coordinatorEpoch, commit)
                    .thenAccept(error -> {
                        synchronized (results) {
                            results.put(tp, error);
                        }
                        if (error == Errors.NONE && Topic.GROUP_METADATA_TOPIC_NAME.equals(tp.topic())) {
                            groups.completeTransaction(tp.partition(), producerId, commit);
                        }
                    }));
        }
        return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            synchronized (results) {
                return new LinkedHashMap<>(results);
            }
        });
    }
}
