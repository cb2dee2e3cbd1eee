package io.tributary.broker.replication;

import io.tributary.broker.log.PartitionLog;
import io.tributary.broker.metadata.PartitionRegistration;
import io.tributary.broker.txn.ProducerStateTable;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * Partitions over logs a test opened itself, for tests outside this package (the log's model test): the same
 * {@link Partition} the replica manager builds, led by node 0 alone at epoch 0, so its high watermark follows the log
 * end and its last stable offset and aborted transactions are the ones consumers get.
 */
public final class TestPartitions {
    private static final int NODE = 0;

    private TestPartitions() {
    }

    /** @param producers the producer state rebuilt from every batch of {@code log} while it opened */
    public static Partition ledHere(PartitionLog log, ProducerStateTable producers) {
        var partition = new Partition(log.topicPartition(), Uuid.randomUuid(), NODE, log, producers);
        partition.applyRegistration(new PartitionRegistration(List.of(NODE), List.of(NODE), NODE, 0, 0));
        return partition;
    }
}
