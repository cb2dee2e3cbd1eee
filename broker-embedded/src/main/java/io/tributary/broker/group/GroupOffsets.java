package io.tributary.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets of one {@link GroupShard}'s groups: OffsetCommit, TxnOffsetCommit, OffsetDelete, DeleteGroups
 * and the expiry of offsets of empty groups ({@code offsets.retention.minutes}). Every method runs under the shard's
 * lock.
 */
final class GroupOffsets {
    private static final Logger log = LoggerFactory.getLogger(GroupOffsets.class);

    /**
     * From OffsetCommit v9 (KIP-848) a commit with a generation for a missing group is GROUP_ID_NOT_FOUND, which
     * clients of both group protocols understand; older versions keep ILLEGAL_GENERATION.
     */
    private static final short GROUP_ID_NOT_FOUND_VERSION = 9;

    private final GroupShard shard;
    private final GroupConfig config;
    private final GroupRebalance rebalance;

    GroupOffsets(GroupShard shard, GroupConfig config, GroupRebalance rebalance) {
        this.shard = shard;
        this.config = config;
        this.rebalance = rebalance;
    }

    /**
     * OffsetCommit: validates and stores a commit; {@code respond} gets one error per partition. A commit without a
     * generation (-1: the admin client, or a consumer using assign()) is accepted only while the group has no
     * members, and creates a missing group. A commit with a generation for a group that does not exist (it was
     * deleted after its last member left, say) is answered GROUP_ID_NOT_FOUND from v9 on and ILLEGAL_GENERATION
     * before, as Kafka's {@code OffsetMetadataManager.validateOffsetCommit} does.
     *
     * <p>A valid commit of a member of a Stable or PreparingRebalance group counts as a heartbeat: its session
     * timeout starts again (Kafka: {@code rescheduleClassicGroupMemberHeartbeat}).
     *
     * <p>{@code retentionTimeMs} (OffsetCommit v2-4; -1 for "the broker's") gives the offsets an expiry of their own,
     * {@code now + retentionTimeMs}, which {@link #expire} honours in place of {@code offsets.retention.minutes}.
     */
    void commit(String groupId, String memberId, String groupInstanceId, int generation, short apiVersion,
                long retentionTimeMs, List<OffsetToCommit> toCommit, Consumer<Map<TopicPartition, Errors>> respond) {
        Errors missingGroup = apiVersion >= GROUP_ID_NOT_FOUND_VERSION ? Errors.GROUP_ID_NOT_FOUND
                : Errors.ILLEGAL_GENERATION;
        commit(groupId, memberId, groupInstanceId, generation, retentionTimeMs, toCommit, false, missingGroup,
                shard::write, respond);
    }

    /**
     * TxnOffsetCommit (KIP-98): validates the commit as {@link #commit} does, except that a request without member
     * and generation (v0-2, or a producer committing for a consumer using assign()) is accepted whatever the
     * group's state and that a rebalance in progress does not refuse it (KIP-447); then writes the offsets as a
     * transactional batch of the producer, pending until its transaction ends. A generation for a missing group is
     * ILLEGAL_GENERATION in every version.
     */
    void commitTransactional(long producerId, short producerEpoch, String groupId, String memberId,
                             String groupInstanceId, int generation, List<OffsetToCommit> toCommit,
                             Consumer<Map<TopicPartition, Errors>> respond) {
        commit(groupId, memberId, groupInstanceId, generation, OffsetCommitRequest.DEFAULT_RETENTION_TIME, toCommit,
                true, Errors.ILLEGAL_GENERATION,
                (records, then) -> shard.writeTransactional(producerId, producerEpoch, records, then), respond);
    }

    private void commit(String groupId, String memberId, String groupInstanceId, int generation,
                        long retentionTimeMs, List<OffsetToCommit> toCommit, boolean transactional,
                        Errors missingGroup,
                        BiConsumer<List<CoordinatorLog.Entry>, Consumer<Errors>> write,
                        Consumer<Map<TopicPartition, Errors>> respond) {
        ClassicGroup group = shard.group(groupId);
        Errors invalid = Errors.NONE;
        if (group == null) {
            if (generation >= 0) {
                invalid = missingGroup;
            } else {
                group = shard.getOrCreate(groupId);
            }
        }
        if (invalid == Errors.NONE) {
            invalid = validateCommit(group, memberId, groupInstanceId, generation, transactional);
        }
        if (invalid == Errors.NONE && !transactional
                && (group.is(GroupState.STABLE) || group.is(GroupState.PREPARING_REBALANCE))) {
            ClassicMember member = group.member(memberId);
            if (member != null) {
                rebalance.scheduleHeartbeatExpiry(group, member.memberId(), member.sessionTimeoutMs());
            }
        }
        var results = new LinkedHashMap<TopicPartition, Errors>();
        var records = new ArrayList<CoordinatorLog.Entry>();
        long nowMs = shard.nowMs();
        long expireTimestampMs = retentionTimeMs == OffsetCommitRequest.DEFAULT_RETENTION_TIME ? -1
                : nowMs + retentionTimeMs;
        for (OffsetToCommit offset : toCommit) {
            if (invalid != Errors.NONE) {
                results.put(offset.partition(), invalid);
            } else if (offset.metadata() != null && offset.metadata().length() > config.offsetMetadataMaxBytes()) {
                results.put(offset.partition(), Errors.OFFSET_METADATA_TOO_LARGE);
            } else {
                results.put(offset.partition(), Errors.NONE);
                var committed = new CommittedOffset(offset.offset(), offset.leaderEpoch(),
                        offset.metadata() == null ? "" : offset.metadata(), nowMs, expireTimestampMs);
                records.add(new CoordinatorLog.Entry(GroupRecords.offsetKey(groupId, offset.partition()),
                        GroupRecords.offsetValue(committed)));
            }
        }
        if (group != null && records.isEmpty()) {
            shard.discardIfUnused(group);
        }
        write.accept(records, error -> {
            if (error != Errors.NONE) {
                Errors mapped = appendErrorForCommit(error);
                results.replaceAll((tp, result) -> result == Errors.NONE ? mapped : result);
            }
            respond.accept(results);
        });
    }

    /** Kafka's {@code ClassicGroup.validateOffsetCommit}, for OffsetCommit and TxnOffsetCommit. */
    private static Errors validateCommit(ClassicGroup group, String memberId, String groupInstanceId,
                                         int generation, boolean transactional) {
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && group.is(GroupState.EMPTY)) {
            return Errors.NONE;
        }
        if (generation >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
            Errors invalid = ClassicGroupProtocol.validateMember(group, memberId, groupInstanceId);
            if (invalid != Errors.NONE) {
                return invalid;
            }
            if (generation != group.generation()) {
                return Errors.ILLEGAL_GENERATION;
            }
        } else if (!transactional) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        // The member has the new generation from JoinGroup but not yet its assignment: it must not commit for
        // partitions it may be about to lose. Commits while PreparingRebalance are allowed (the revocation
        // callback commits before rejoining). Transactional commits are not held to the group's state (Kafka).
        return !transactional && group.is(GroupState.COMPLETING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS
                : Errors.NONE;
    }

    /** Kafka's mapping of a failed offset write to the error the committer sees. */
    private static Errors appendErrorForCommit(Errors appendError) {
        return switch (appendError) {
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.INVALID_COMMIT_OFFSET_SIZE;
            default -> GroupRebalance.appendErrorForGroup(appendError);
        };
    }

    /**
     * OffsetDelete: removes the group's offsets of {@code partitions}, except for topics a member of a non-empty
     * group is subscribed to. {@code respond} gets one error per partition, or {@code groupError} one error for the
     * whole request.
     */
    void delete(String groupId, List<TopicPartition> partitions, Consumer<Errors> groupError,
                Consumer<Map<TopicPartition, Errors>> respond) {
        ClassicGroup group = shard.group(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            groupError.accept(Errors.GROUP_ID_NOT_FOUND);
            return;
        }
        boolean active = !group.is(GroupState.EMPTY);
        if (active && !ConsumerProtocol.PROTOCOL_TYPE.equals(group.protocolType())) {
            groupError.accept(Errors.NON_EMPTY_GROUP);
            return;
        }
        Set<String> subscribed = active ? subscribedTopics(group) : Set.of();
        Map<TopicPartition, CommittedOffset> committed = shard.offsets(groupId);
        var results = new LinkedHashMap<TopicPartition, Errors>();
        var records = new ArrayList<CoordinatorLog.Entry>();
        for (TopicPartition tp : partitions) {
            if (subscribed.contains(tp.topic())) {
                results.put(tp, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
            } else {
                results.put(tp, Errors.NONE);
                // A pending transactional offset is deleted too (Kafka): its tombstone drops it from the open
                // transaction, so the transaction's commit cannot bring it back.
                if (committed.containsKey(tp) || shard.hasPendingOffset(groupId, tp)) {
                    records.add(new CoordinatorLog.Entry(GroupRecords.offsetKey(groupId, tp), null));
                }
            }
        }
        shard.write(records, error -> {
            if (error != Errors.NONE) {
                groupError.accept(GroupRebalance.appendErrorForGroup(error));
            } else {
                respond.accept(results);
            }
        });
    }

    /** The topics the members of a consumer group subscribe to, from their JoinGroup metadata. */
    private static Set<String> subscribedTopics(ClassicGroup group) {
        var topics = new HashSet<String>();
        if (group.protocolName() == null) {
            return topics;
        }
        for (ClassicMember member : group.members()) {
            try {
                topics.addAll(ConsumerProtocol.deserializeSubscription(
                        ByteBuffer.wrap(member.metadata(group.protocolName()))).topics());
            } catch (RuntimeException e) {
                log.warn("Group {}: member {} has unreadable subscription metadata: {}", group.groupId(),
                        member.memberId(), e.toString());
            }
        }
        return topics;
    }

    /**
     * DeleteGroups for one group: only a group without members can be deleted, offsets and all, including those
     * pending in open transactions (as Kafka: an open transaction does not keep a group alive).
     */
    void deleteGroup(String groupId, Consumer<Errors> respond) {
        ClassicGroup group = shard.group(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            respond.accept(Errors.GROUP_ID_NOT_FOUND);
            return;
        }
        if (!group.is(GroupState.EMPTY)) {
            respond.accept(Errors.NON_EMPTY_GROUP);
            return;
        }
        shard.write(shard.groupTombstones(groupId),
                error -> respond.accept(error == Errors.NONE ? Errors.NONE
                        : GroupRebalance.appendErrorForGroup(error)));
    }

    /**
     * Expires the offsets of empty groups older than the retention (counted from when the group became empty, or
     * from the commit for groups that never had members), or past the expiry their commit asked for (OffsetCommit
     * v2-4), and deletes empty groups left with no offsets. A partition with a pending transactional offset keeps
     * its committed one, and a group with open transactions is not deleted (Kafka): the transaction's commit must
     * find them.
     */
    void expire() {
        long nowMs = shard.nowMs();
        var records = new ArrayList<CoordinatorLog.Entry>();
        for (ClassicGroup group : List.copyOf(shard.groups())) {
            if (!group.is(GroupState.EMPTY)) {
                continue;
            }
            Map<TopicPartition, CommittedOffset> committed = shard.offsets(group.groupId());
            int expired = 0;
            for (var entry : committed.entrySet()) {
                if (isExpired(group, entry.getValue(), nowMs)
                        && !shard.hasPendingOffset(group.groupId(), entry.getKey())) {
                    records.add(new CoordinatorLog.Entry(GroupRecords.offsetKey(group.groupId(), entry.getKey()),
                            null));
                    expired++;
                }
            }
            if (expired == committed.size() && !group.isPendingAny()
                    && !shard.hasOpenTransactions(group.groupId())) {
                records.add(new CoordinatorLog.Entry(GroupRecords.groupKey(group.groupId()), null));
            }
            if (expired > 0) {
                log.info("Group {}: {} committed offset(s) expired", group.groupId(), expired);
            }
        }
        shard.write(records, error -> {
            if (error != Errors.NONE) {
                log.warn("__consumer_offsets-{}: cannot write expired offsets: {}", shard.partition(), error);
            }
        });
    }

    /**
     * Kafka's {@code OffsetExpirationConditionImpl} for an empty group: an offset with an expiry of its own expires
     * then; any other once the retention has passed since the group became empty, or since its commit when the
     * group never had members.
     */
    private boolean isExpired(ClassicGroup group, CommittedOffset offset, long nowMs) {
        if (offset.hasOwnExpiry()) {
            return nowMs >= offset.expireTimestampMs();
        }
        long baseMs = group.stateTimestampMs() >= 0 ? group.stateTimestampMs() : offset.commitTimestampMs();
        return nowMs - baseMs >= config.offsetsRetentionMs();
    }

    /**
     * Deletes every group's offsets of the {@code deleted} topics, committed or pending in an open transaction, with
     * tombstones, as Kafka's {@code OffsetMetadataManager.onTopicsDeleted} does when a topic is deleted: a topic
     * created again under the same name then starts without committed offsets, and a restart replays the
     * tombstones. Groups are left as they are; one left empty without offsets goes at the next expiry check.
     */
    void deleteTopics(Set<String> deleted) {
        List<CoordinatorLog.Entry> records = shard.topicTombstones(deleted);
        if (records.isEmpty()) {
            return;
        }
        shard.write(records, error -> {
            if (error != Errors.NONE) {
                log.warn("__consumer_offsets-{}: cannot delete the offsets of deleted topics {}: {}",
                        shard.partition(), deleted, error);
            } else {
                log.info("__consumer_offsets-{}: deleted {} offset(s) of deleted topics {}", shard.partition(),
                        records.size(), deleted);
            }
        });
    }
}
