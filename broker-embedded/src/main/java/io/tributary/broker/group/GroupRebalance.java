package io.tributary.broker.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rebalance life cycle of a classic group and the deadlines that drive it, shared by the group APIs of
 * {@link ClassicGroupProtocol}:
 *
 * <ul>
 *   <li>PreparingRebalance begins on a join, leave or session expiry. Members waiting in SyncGroup are told
 *       REBALANCE_IN_PROGRESS. A group's first rebalance waits {@code group.initial.rebalance.delay.ms},
 *       extended while members keep arriving, within the rebalance timeout.</li>
 *   <li>The join phase ends when every member has rejoined, or when the largest rebalance timeout
 *       ({@code max.poll.interval.ms}) has passed. Dynamic members that did not rejoin are then evicted, and the
 *       next generation opens: CompletingRebalance, or Empty when nobody is left.</li>
 *   <li>Members that never send SyncGroup are removed after the rebalance timeout. A member silent for its
 *       session timeout is removed, unless it is parked in JoinGroup or SyncGroup.</li>
 * </ul>
 *
 * Every method runs under the shard's lock.
 */
final class GroupRebalance {
    private static final Logger log = LoggerFactory.getLogger(GroupRebalance.class);
    private static final String JOIN_TIMER = "join";
    static final String SYNC_TIMER = "sync";

    private final GroupShard shard;
    private final GroupConfig config;

    GroupRebalance(GroupShard shard, GroupConfig config) {
        this.shard = shard;
        this.config = config;
    }

    void maybePrepareRebalanceOrCompleteJoin(ClassicGroup group) {
        if (GroupState.PREPARING_REBALANCE.validPrevious().contains(group.state().getClass())) {
            prepareRebalance(group);
        } else {
            maybeCompleteJoinPhase(group);
        }
    }

    void prepareRebalance(ClassicGroup group) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            // Members waiting in SyncGroup learn the generation is void and rejoin.
            propagateAssignment(group, Map.of(), Errors.REBALANCE_IN_PROGRESS);
        }
        group.disarm(SYNC_TIMER);
        group.pendingSyncMembers().forEach(group::removePendingSync);
        boolean initial = group.is(GroupState.EMPTY);
        group.transitionTo(GroupState.PREPARING_REBALANCE, shard.nowMs());
        log.info("Group {} prepares a rebalance (generation {}, {} member(s))", group.groupId(), group.generation(),
                group.size());
        if (initial) {
            int delayMs = config.initialRebalanceDelayMs();
            int remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
            scheduleInitialRebalance(group, delayMs, remainingMs);
        } else if (group.hasAllMembersJoined()) {
            completeJoin(group);
        } else {
            shard.schedule(group, JOIN_TIMER, group.rebalanceTimeoutMs(), () -> completeJoin(group));
        }
    }

    /**
     * The first rebalance of an empty group waits {@code group.initial.rebalance.delay.ms} so that members
     * starting together land in one generation; each new arrival extends the wait by up to that delay, within
     * the rebalance timeout.
     */
    void scheduleInitialRebalance(ClassicGroup group, int delayMs, int remainingMs) {
        shard.schedule(group, JOIN_TIMER, delayMs, () -> {
            if (group.newMemberAdded() && remainingMs != 0) {
                group.newMemberAdded(false);
                int nextDelayMs = Math.min(config.initialRebalanceDelayMs(), remainingMs);
                scheduleInitialRebalance(group, nextDelayMs, Math.max(remainingMs - delayMs, 0));
            } else {
                completeJoin(group);
            }
        });
    }

    void maybeCompleteJoinPhase(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.previousState().equals(GroupState.EMPTY)
                && group.hasAllMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: evicts dynamic members that did not rejoin and opens the next generation. */
    void completeJoin(ClassicGroup group) {
        if (!group.is(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        group.disarm(JOIN_TIMER);
        for (ClassicMember member : group.notYetRejoined()) {
            if (!member.isStatic()) {
                log.info("Group {}: member {} did not rejoin within the rebalance timeout and is removed",
                        group.groupId(), member.memberId());
                group.remove(member.memberId());
            }
        }
        if (!group.electJoinedLeader() && group.size() > 0) {
            // Only static members that did not rejoin are left: wait for them (or their session expiry).
            shard.schedule(group, JOIN_TIMER, group.rebalanceTimeoutMs(), () -> completeJoin(group));
            return;
        }
        group.initNextGeneration(shard.nowMs());
        if (group.is(GroupState.EMPTY)) {
            log.info("Group {} is empty at generation {}", group.groupId(), group.generation());
            shard.write(List.of(metadataRecord(group, Map.of())), error -> {
                if (error != Errors.NONE) {
                    log.warn("Group {}: cannot store the empty generation: {}", group.groupId(), error);
                }
            });
            return;
        }
        log.info("Group {} starts generation {} with {} member(s), protocol {}", group.groupId(), group.generation(),
                group.size(), group.protocolName());
        for (ClassicMember member : group.members()) {
            boolean leader = group.isLeader(member.memberId());
            member.completeJoin(joinResponse(group, member, leader, false));
            scheduleHeartbeatExpiry(group, member.memberId(), member.sessionTimeoutMs());
            member.isNew(false);
            group.addPendingSync(member.memberId());
        }
        int generation = group.generation();
        // Members that never send SyncGroup would hold the group in CompletingRebalance forever.
        shard.schedule(group, SYNC_TIMER, group.rebalanceTimeoutMs(), () -> expirePendingSync(group, generation));
    }

    void expirePendingSync(ClassicGroup group, int generation) {
        if (generation != group.generation()
                || !(group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.STABLE))) {
            return;
        }
        var late = group.pendingSyncMembers();
        if (!late.isEmpty()) {
            log.info("Group {}: removing {} which did not send SyncGroup in time", group.groupId(), late);
            late.forEach(group::remove);
            prepareRebalance(group);
        }
    }

    static JoinGroupResponseData joinResponse(ClassicGroup group, ClassicMember member, boolean withMembers,
                                              boolean skipAssignment) {
        return new JoinGroupResponseData()
                .setMembers(withMembers ? group.membersForLeader() : new ArrayList<>())
                .setMemberId(member.memberId())
                .setGenerationId(group.generation())
                .setProtocolName(group.protocolName())
                .setProtocolType(group.protocolType())
                .setLeader(group.leaderId())
                .setSkipAssignment(skipAssignment);
    }

    static JoinGroupResponseData joinError(String memberId, Errors error) {
        return new JoinGroupResponseData().setMemberId(memberId).setErrorCode(error.code())
                .setGenerationId(-1).setProtocolName(null).setProtocolType(null).setLeader("");
    }

    void propagateAssignment(ClassicGroup group, Map<String, byte[]> assignment, Errors error) {
        for (ClassicMember member : group.members()) {
            member.assignment(assignment.getOrDefault(member.memberId(), ClassicMember.EMPTY_ASSIGNMENT));
            var response = new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(member.assignment());
            if (error == Errors.NONE) {
                response.setProtocolType(group.protocolType()).setProtocolName(group.protocolName());
            }
            if (member.completeSync(response)) {
                // A session that ran out while the member waited on us must not count against it.
                scheduleHeartbeatExpiry(group, member.memberId(), member.sessionTimeoutMs());
            }
        }
    }

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    void scheduleHeartbeatExpiry(ClassicGroup group, String memberId, long timeoutMs) {
        shard.schedule(group, ClassicGroup.heartbeatKey(memberId), timeoutMs, () -> expireMember(group, memberId));
    }

    void expireMember(ClassicGroup group, String memberId) {
        if (group.is(GroupState.DEAD)) {
            return;
        }
        if (group.isPendingMember(memberId)) {
            group.remove(memberId);
            if (group.is(GroupState.PREPARING_REBALANCE) && group.hasAllMembersJoined()) {
                completeJoin(group);
            }
            return;
        }
        ClassicMember member = group.member(memberId);
        if (member != null && !member.isNew() && (member.isAwaitingJoin() || member.isAwaitingSync())) {
            // A member parked in JoinGroup or SyncGroup cannot heartbeat; it counts as alive until the rebalance
            // ends, when its session is timed again. (A new member is bounded by the new-member join timeout.)
            return;
        }
        if (member != null) {
            log.info("Group {}: member {} missed its session timeout of {} ms and is removed", group.groupId(),
                    memberId, member.sessionTimeoutMs());
            removeMemberAndRebalance(group, member);
        }
    }

    /** Removes a member; a Stable or CompletingRebalance group rebalances, a preparing one may now complete. */
    void removeMemberAndRebalance(ClassicGroup group, ClassicMember member) {
        // A parked JoinGroup is answered first, so a member that is in fact alive simply rejoins.
        member.completeJoin(joinError("", Errors.UNKNOWN_MEMBER_ID));
        member.completeSync(syncError(Errors.UNKNOWN_MEMBER_ID));
        group.remove(member.memberId());
        if (group.is(GroupState.STABLE) || group.is(GroupState.COMPLETING_REBALANCE)) {
            maybePrepareRebalanceOrCompleteJoin(group);
        } else if (group.is(GroupState.PREPARING_REBALANCE) && group.hasAllMembersJoined()) {
            completeJoin(group);
        }
    }

    static CoordinatorLog.Entry metadataRecord(ClassicGroup group, Map<String, byte[]> assignment) {
        return new CoordinatorLog.Entry(GroupRecords.groupKey(group.groupId()),
                GroupRecords.groupValue(group.toStored(assignment)));
    }

    /** Kafka's mapping of a failed group metadata write to the error a member sees. */
    static Errors appendErrorForGroup(Errors appendError) {
        return switch (appendError) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.UNKNOWN_SERVER_ERROR;
            default -> appendError;
        };
    }
}
