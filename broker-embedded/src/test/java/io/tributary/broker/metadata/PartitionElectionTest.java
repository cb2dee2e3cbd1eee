package io.tributary.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.RegisterBrokerRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * ElectLeaders' choices for one partition ({@link PartitionChanges#elect}) on images where brokers 1-3 are registered
 * and {@code live} of them unfenced, the partition with replicas [1, 2, 3].
 */
class PartitionElectionTest {
    private static final Uuid TOPIC = Uuid.randomUuid();

    private static MetadataImage image(Set<Integer> live, List<Integer> isr, int leader) {
        var records = new ArrayList<MetadataRecord>();
        for (int id = 1; id <= 3; id++) {
            records.add(new RegisterBrokerRecord(id, Uuid.randomUuid(), 10 + id,
                    List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9090 + id)), null, !live.contains(id)));
        }
        records.add(new TopicRecord("t", TOPIC));
        records.add(new PartitionRecord(TOPIC, 0, List.of(1, 2, 3), isr, leader, 5, 7));
        return MetadataImage.EMPTY.apply(records);
    }

    @Test
    void preferredMovesLeadershipToTheFirstReplicaWhenItIsInSyncAndUnfenced() {
        PartitionChanges.Election moved = PartitionChanges.elect(image(Set.of(1, 2, 3), List.of(1, 2, 3), 2), "t", 0,
                ElectionType.PREFERRED);
        assertThat(moved.error()).isEqualTo(Errors.NONE);
        assertThat(moved.record()).isEqualTo(new PartitionRecord(TOPIC, 0, List.of(1, 2, 3), List.of(1, 2, 3), 1, 6,
                8));

        assertThat(PartitionChanges.elect(image(Set.of(1, 2, 3), List.of(1, 2, 3), 1), "t", 0, ElectionType.PREFERRED)
                .error()).isEqualTo(Errors.ELECTION_NOT_NEEDED);
        assertThat(PartitionChanges.elect(image(Set.of(1, 2, 3), List.of(2, 3), 2), "t", 0, ElectionType.PREFERRED)
                .error()).as("preferred replica out of the ISR").isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
        assertThat(PartitionChanges.elect(image(Set.of(2, 3), List.of(1, 2, 3), 2), "t", 0, ElectionType.PREFERRED)
                .error()).as("preferred replica fenced").isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
    }

    @Test
    void uncleanElectsALiveReplicaOutsideTheIsrOnlyForALeaderlessPartition() {
        // Replica 1 was the last in sync and is fenced; 3 is live but was never caught up.
        PartitionChanges.Election unclean = PartitionChanges.elect(image(Set.of(3), List.of(1), -1), "t", 0,
                ElectionType.UNCLEAN);
        assertThat(unclean.error()).isEqualTo(Errors.NONE);
        assertThat(unclean.record().leader()).isEqualTo(3);
        assertThat(unclean.record().isr()).containsExactly(3);
        assertThat(unclean.record().leaderEpoch()).isEqualTo(6);

        assertThat(PartitionChanges.elect(image(Set.of(1, 2, 3), List.of(1, 2, 3), 2), "t", 0, ElectionType.UNCLEAN)
                .error()).isEqualTo(Errors.ELECTION_NOT_NEEDED);
        assertThat(PartitionChanges.elect(image(Set.of(), List.of(1), -1), "t", 0, ElectionType.UNCLEAN).error())
                .isEqualTo(Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
        assertThat(PartitionChanges.elect(image(Set.of(1, 2, 3), List.of(1), -1), "t", 3, ElectionType.UNCLEAN)
                .error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }
}
