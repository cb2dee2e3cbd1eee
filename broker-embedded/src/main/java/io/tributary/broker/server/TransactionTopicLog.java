package io.tributary.broker.server;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.TransactionLog;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Time;

/**
 * {@code __transaction_state} for the transaction coordinator: appends go through the replica manager like any
 * produce (acks=all), loading reads the partition's log from its start.
 */
final class TransactionTopicLog implements TransactionLog {
    private final Controller controller;
    private final ReplicaManager replicaManager;
    private final Time time;

    TransactionTopicLog(Controller controller, ReplicaManager replicaManager, Time time) {
        this.controller = controller;
        this.replicaManager = replicaManager;
        this.time = time;
    }

    private static TopicPartition topicPartition(int partition) {
        return new TopicPartition(Topic.TRANSACTION_STATE_TOPIC_NAME, partition);
    }

    @Override
    public int partitionCount() {
        TopicImage topic = controller.image().topic(Topic.TRANSACTION_STATE_TOPIC_NAME);
        return topic == null ? -1 : topic.partitions().size();
    }

    @Override
    public boolean isLeader(int partition) {
        Partition hosted = replicaManager.partition(topicPartition(partition));
        return hosted != null && hosted.isLeader();
    }

    @Override
    public int leaderEpoch(int partition) {
        Partition hosted = replicaManager.partition(topicPartition(partition));
        return hosted == null ? -1 : hosted.leaderEpoch();
    }

    @Override
    public CompletableFuture<Errors> append(int partition, byte[] key, byte[] value) {
        TopicPartition tp = topicPartition(partition);
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(time.milliseconds(), key, value));
        return replicaManager.appendRecords((short) -1, Map.of(tp, records))
                .thenApply(responses -> responses.get(tp).error);
    }

    @Override
    public void read(int partition, Visitor visitor) {
        Partition hosted = replicaManager.partition(topicPartition(partition));
        if (hosted == null) {
            return;
        }
        hosted.forEachBatch(batch -> {
            if (batch.isControlBatch()) {
                return;
            }
            for (Record record : batch) {
                if (record.hasKey()) {
                    visitor.accept(record.key(), record.hasValue() ? record.value() : null);
                }
            }
        });
    }
}
