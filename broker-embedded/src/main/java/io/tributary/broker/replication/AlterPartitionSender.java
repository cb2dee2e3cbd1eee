package io.tributary.broker.replication;

import io.tributary.broker.metadata.PartitionRegistration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicIdPartition;

/**
 * How a partition leader asks the controller to change the ISR (Kafka's AlterPartition, KIP-497): the controller
 * holds the truth, so a leader never changes its ISR on its own word.
 *
 * <p>The request names the leader epoch and partition epoch the leader holds; the controller applies it only if
 * both are current, bumps the partition epoch and answers with the new registration. It fails with Kafka's
 * errors as {@code ApiException}s: INVALID_UPDATE_VERSION (a stale partition epoch), FENCED_LEADER_EPOCH,
 * NEW_LEADER_ELECTED, INELIGIBLE_REPLICA (a proposed member is fenced or shutting down), OPERATION_NOT_ATTEMPTED,
 * UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID; any other failure (a timeout, no controller) leaves the outcome
 * unknown. Implementations must not block the caller, must not apply the change to this node's metadata image
 * within the call (the leader may send while the replica manager applies an image), and must not complete the
 * future while holding a lock the metadata publishing path takes: the leader sends from request threads, the
 * image path and the ISR check, and reacts to the answer on the completing thread.
 */
@FunctionalInterface
public interface AlterPartitionSender {

    CompletableFuture<PartitionRegistration> alterPartition(TopicIdPartition partition, int leaderEpoch,
                                                            int partitionEpoch, List<Integer> newIsr);

    /** For a node that is the only replica of everything it hosts: no ISR change can ever be proposed. */
    AlterPartitionSender NONE = (partition, leaderEpoch, partitionEpoch, newIsr) -> CompletableFuture.failedFuture(
            new org.apache.kafka.common.errors.OperationNotAttemptedException(
                    "No controller takes AlterPartition on this node"));
}
