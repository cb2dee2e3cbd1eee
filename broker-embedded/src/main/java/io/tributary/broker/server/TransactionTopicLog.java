package io.tributary.broker.server;

import io.tributary.broker.metadata.Controller;
import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.TransactionLog;
import java.util.concurrent.CompletableFuture;
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
    private final InternalTopic topic;
    private final Time time;

    TransactionTopicLog(Controller controller, ReplicaManager replicaManager, Time time) {
        this.topic = new InternalTopic(Topic.TRANSACTION_STATE_TOPIC_NAME, controller, replicaManager);
        this.time = time;
    }

    @Override
    public int partitionCount() {
        return topic.partitionCount();
    }

    @Override
    public boolean isLeader(int partition) {
        return topic.isLeader(partition);
    }

    @Override
    public int leaderEpoch(int partition) {
        Partition hosted = topic.partition(partition);
        return hosted == null ? -1 : hosted.leaderEpoch();
    }

    @Override
    public CompletableFuture<Errors> append(int partition, byte[] key, byte[] value) {
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(time.milliseconds(), key, value));
        return topic.append(partition, records).thenApply(response -> response.error);
    }

    @Override
    public void read(int partition, Visitor visitor) {
        Partition hosted = topic.partition(partition);
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
