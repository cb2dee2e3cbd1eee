package io.tributary.broker.metadata;

import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.protocol.Errors;

/**
 * Leader election and ISR changes when brokers come and go, as Kafka's controller makes them
 * ({@code ReplicationControlManager}, {@code PartitionChangeBuilder}):
 *
 * <ul>
 *   <li>a broker that is fenced leaves every ISR it is in, except where it is the last member (it keeps the
 *       partition's history; the partition waits for it, leaderless, unless unclean election is allowed);</li>
 *   <li>a partition whose leader is gone elects the first replica, in replica order, that is in the ISR and
 *       unfenced; with {@code unclean.leader.election.enable}, when the ISR has none, the first live replica, which
 *       then forms the ISR alone (records acknowledged only to the others may be lost, which is what the setting
 *       accepts);</li>
 *   <li>a broker that is unfenced becomes the leader of the leaderless partitions whose ISR holds it.</li>
 * </ul>
 *
 * <p>A new leader starts a new leader epoch; every change bumps the partition epoch, which AlterPartition requests
 * must name (so a leader acting on an old view is refused).
 */
final class PartitionChanges {
    private PartitionChanges() {
    }

    /** The partitions to change now that {@code live} are the unfenced brokers (after a fence or an unfence). */
    static List<MetadataRecord> electAfterBrokerChange(MetadataImage image, Set<Integer> live,
                                                       Predicate<String> uncleanAllowed) {
        var records = new ArrayList<MetadataRecord>();
        for (TopicImage topic : image.topicsByName().values()) {
            boolean unclean = uncleanAllowed.test(topic.name());
            for (Map.Entry<Integer, PartitionRegistration> entry : topic.partitions().entrySet()) {
                PartitionRecord changed = change(topic, entry.getKey(), entry.getValue(), live, unclean);
                if (changed != null) {
                    records.add(changed);
                }
            }
        }
        return records;
    }

    /** What an ElectLeaders request does to one partition: the record to write, or why there is none. */
    record Election(PartitionRecord record, Errors error) {
    }

    /**
     * ElectLeaders for one partition, as Kafka's {@code ReplicationControlManager.electLeader}: PREFERRED moves the
     * leadership to the first replica when it is in the ISR and unfenced (ELECTION_NOT_NEEDED when it leads already,
     * PREFERRED_LEADER_NOT_AVAILABLE otherwise); UNCLEAN elects a leader for a partition that has none, from the ISR
     * when a member is live, else the first live replica, which then forms the ISR alone, whatever the topic's
     * {@code unclean.leader.election.enable} says (the operator asked; ELIGIBLE_LEADERS_NOT_AVAILABLE when no
     * replica is live). A new leader starts a new leader epoch.
     */
    static Election elect(MetadataImage image, String topicName, int partition, ElectionType type) {
        TopicImage topic = image.topic(topicName);
        PartitionRegistration current = topic == null ? null : topic.partitions().get(partition);
        if (current == null) {
            return new Election(null, Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        Set<Integer> live = Set.copyOf(image.unfencedBrokerIds());
        if (type == ElectionType.PREFERRED) {
            int preferred = current.replicas().get(0);
            if (current.leader() == preferred) {
                return new Election(null, Errors.ELECTION_NOT_NEEDED);
            }
            if (!current.isr().contains(preferred) || !live.contains(preferred)) {
                return new Election(null, Errors.PREFERRED_LEADER_NOT_AVAILABLE);
            }
            return new Election(new PartitionRecord(topic.id(), partition, current.replicas(), current.isr(),
                    preferred, current.leaderEpoch() + 1, current.partitionEpoch() + 1), Errors.NONE);
        }
        if (current.leader() >= 0) {
            return new Election(null, Errors.ELECTION_NOT_NEEDED);
        }
        PartitionRecord elected = change(topic, partition, current, live, true);
        return elected != null && elected.leader() >= 0 ? new Election(elected, Errors.NONE)
                : new Election(null, Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
    }

    /** The partition's new state with {@code live} as the unfenced brokers, or null when nothing changes. */
    static PartitionRecord change(TopicImage topic, int partition, PartitionRegistration current, Set<Integer> live,
                                  boolean unclean) {
        List<Integer> isr = new ArrayList<>();
        for (int replica : current.isr()) {
            if (live.contains(replica)) {
                isr.add(replica);
            }
        }
        if (isr.isEmpty()) {
            // The last in-sync replicas stay named: whichever of them returns first holds every acknowledged record.
            isr = new ArrayList<>(current.isr());
        }
        int leader = current.leader();
        if (leader < 0 || !live.contains(leader) || !isr.contains(leader)) {
            leader = -1;
            for (int replica : current.replicas()) {
                if (isr.contains(replica) && live.contains(replica)) {
                    leader = replica;
                    break;
                }
            }
            if (leader < 0 && unclean) {
                for (int replica : current.replicas()) {
                    if (live.contains(replica)) {
                        leader = replica;
                        isr = new ArrayList<>(List.of(replica));
                        break;
                    }
                }
            }
        }
        if (leader == current.leader() && isr.equals(current.isr())) {
            return null;
        }
        int leaderEpoch = leader != current.leader() ? current.leaderEpoch() + 1 : current.leaderEpoch();
        return new PartitionRecord(topic.id(), partition, current.replicas(), isr, leader, leaderEpoch,
                current.partitionEpoch() + 1);
    }
}
