package io.tributary.broker.server;

import io.tributary.broker.group.CoordinatorLog;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.replication.Partition;
import io.tributary.broker.replication.ReplicaManager;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Time;

/**
 * {@code __consumer_offsets} for the group coordinator: appends go through the replica manager like any produce
 * (acks=all), plain or as a transactional producer's batch (TxnOffsetCommit); loading reads the partition's log
 * from its start, transaction markers included.
 */
final class OffsetsTopicLog implements CoordinatorLog {
    private final InternalTopic topic;
    private final Time time;

    OffsetsTopicLog(Controller controller, ReplicaManager replicaManager, Time time) {
        this.topic = new InternalTopic(Topic.GROUP_METADATA_TOPIC_NAME, controller, replicaManager);
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
        return hosted != null && hosted.isLeader() ? hosted.leaderEpoch() : -1;
    }

    @Override
    public CompletableFuture<Appended> append(int partition, List<Entry> entries) {
        return append(partition, MemoryRecords.withRecords(Compression.NONE, simpleRecords(entries)));
    }

    /**
     * A transactional producer's batch written by the coordinator: sequence 0, as Kafka's coordinators write, since
     * the partition checks a coordinator's batches by epoch only (they carry no real sequence).
     */
    @Override
    public CompletableFuture<Appended> appendTransactional(int partition, long producerId, short producerEpoch,
                                                           List<Entry> entries) {
        return append(partition, MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, producerEpoch,
                0, simpleRecords(entries)));
    }

    private SimpleRecord[] simpleRecords(List<Entry> entries) {
        long nowMs = time.milliseconds();
        var records = new SimpleRecord[entries.size()];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(nowMs, entries.get(i).key(), entries.get(i).value());
        }
        return records;
    }

    private CompletableFuture<Appended> append(int partition, MemoryRecords records) {
        return topic.append(partition, records).thenApply(response -> response.error == Errors.NONE
                ? new Appended(Errors.NONE, response.baseOffset) : Appended.failed(response.error));
    }

    /**
     * Hands the visitor every data record with the producer of its batch when the batch is transactional, and
     * every COMMIT/ABORT marker; other control records (none are expected here) are skipped.
     */
    @Override
    public void read(int partition, Visitor visitor) {
        Partition hosted = topic.partition(partition);
        if (hosted == null) {
            return;
        }
        hosted.forEachBatch(batch -> {
            long producerId = batch.isTransactional() ? batch.producerId() : RecordBatch.NO_PRODUCER_ID;
            for (Record record : batch) {
                if (batch.isControlBatch()) {
                    visitMarker(batch, record, visitor);
                } else if (record.hasKey()) {
                    visitor.record(record.offset(), producerId, record.key(),
                            record.hasValue() ? record.value() : null);
                }
            }
        });
    }

    private static void visitMarker(RecordBatch batch, Record record, Visitor visitor) {
        ControlRecordType type = ControlRecordType.parse(record.key());
        if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
            boolean committed = EndTransactionMarker.deserialize(record).controlType() == ControlRecordType.COMMIT;
            visitor.transactionEnd(record.offset(), batch.producerId(), committed);
        }
    }
}
