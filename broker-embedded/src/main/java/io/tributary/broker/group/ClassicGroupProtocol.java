package io.tributary.broker.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group APIs of one {@link GroupShard}, JoinGroup, SyncGroup, Heartbeat and LeaveGroup, with Kafka's
 * checks and error codes; the rebalance they set off is {@link GroupRebalance}'s.
 *
 * <ul>
 *   <li>A new dynamic member gets an id and MEMBER_ID_REQUIRED (JoinGroup v4+, KIP-394), then joins with it.</li>
 *   <li>The leader's SyncGroup carries the assignment; it is persisted as a group metadata record, then every
 *       member's SyncGroup is answered and the group is Stable.</li>
 *   <li>A static member ({@code group.instance.id}, KIP-345) that rejoins a Stable group takes over its old
 *       assignment without a rebalance; its old member id is fenced (FENCED_INSTANCE_ID).</li>
 *   <li>Every request names a member (and instance) the group knows and, where it applies, the current
 *       generation: else UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID or ILLEGAL_GENERATION.</li>
 * </ul>
 *
 * Every method runs under the shard's lock.
 */
final class ClassicGroupProtocol {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupProtocol.class);

    private final GroupShard shard;
    private final GroupConfig config;
    private final GroupRebalance rebalance;

    ClassicGroupProtocol(GroupShard shard, GroupConfig config, GroupRebalance rebalance) {
        this.shard = shard;
        this.config = config;
        this.rebalance = rebalance;
    }

    /** Starts timing the sessions of a group restored from the log: its members get one session to come back. */
    void restored(ClassicGroup group) {
        for (ClassicMember member : group.members()) {
            rebalance.scheduleHeartbeatExpiry(group, member.memberId(), member.sessionTimeoutMs());
        }
    }

    // ---- JoinGroup -------------------------------------------------------------------------------------------

    void join(MemberContext context, JoinGroupRequestData request, CompletableFuture<JoinGroupResponseData> future) {
        String memberId = request.memberId();
        boolean unknownMember = memberId.isEmpty();
        ClassicGroup group = shard.group(request.groupId());
        boolean created = group == null;
        if (created) {
            if (!unknownMember) {
                future.complete(GroupRebalance.joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
                return;
            }
            group = shard.getOrCreate(request.groupId());
        }
        List<ClassicMember.Protocol> protocols = protocols(request);
        if (!acceptsJoiningMember(group, memberId)) {
            group.remove(memberId);
            future.complete(GroupRebalance.joinError("", Errors.GROUP_MAX_SIZE_REACHED));
        } else if (unknownMember) {
            joinNewMember(context, request, protocols, group, future);
        } else {
            joinExistingMember(context, request, protocols, group, future);
        }
        if (created) {
            shard.discardIfUnused(group);
        }
    }

    private static List<ClassicMember.Protocol> protocols(JoinGroupRequestData request) {
        var protocols = new ArrayList<ClassicMember.Protocol>();
        for (JoinGroupRequestProtocol protocol : request.protocols()) {
            protocols.add(new ClassicMember.Protocol(protocol.name(), protocol.metadata()));
        }
        return protocols;
    }

    private boolean acceptsJoiningMember(ClassicGroup group, String memberId) {
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            // Counting members awaiting a join (not all members) lets the last rejoining members be turned away
            // when group.max.size was lowered below the group's size.
            return group.hasMember(memberId) && group.member(memberId).isAwaitingJoin()
                    || group.awaitingJoinCount() < config.maxSize();
        }
        if (group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.STABLE)) {
            return group.hasMember(memberId) || group.size() < config.maxSize();
        }
        return true;
    }

    private void joinNewMember(MemberContext context, JoinGroupRequestData request,
                               List<ClassicMember.Protocol> protocols, ClassicGroup group,
                               CompletableFuture<JoinGroupResponseData> future) {
        if (group.is(GroupState.DEAD)) {
            future.complete(GroupRebalance.joinError("", Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(request.protocolType(), protocols)) {
            future.complete(GroupRebalance.joinError("", Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        String instanceId = request.groupInstanceId();
        String newMemberId = group.newMemberId(context.clientId(), instanceId);
        if (instanceId != null) {
            String existing = group.staticMemberId(instanceId);
            if (existing != null) {
                rejoinStaticMember(context, request, protocols, group, existing, newMemberId, future);
            } else {
                addMember(context, request, protocols, group, newMemberId, future);
            }
        } else if (JoinGroupRequest.requiresKnownMemberId(context.apiVersion())) {
            // KIP-394: the member learns its id first and must come back with it, so a client that times out
            // and retries does not leave a trail of phantom members behind.
            group.addPendingMember(newMemberId);
            rebalance.scheduleHeartbeatExpiry(group, newMemberId, request.sessionTimeoutMs());
            future.complete(GroupRebalance.joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
        } else {
            addMember(context, request, protocols, group, newMemberId, future);
        }
    }

    private void joinExistingMember(MemberContext context, JoinGroupRequestData request,
                                    List<ClassicMember.Protocol> protocols, ClassicGroup group,
                                    CompletableFuture<JoinGroupResponseData> future) {
        String memberId = request.memberId();
        if (group.is(GroupState.DEAD)) {
            future.complete(GroupRebalance.joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(request.protocolType(), protocols)) {
            future.complete(GroupRebalance.joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        if (group.isPendingMember(memberId)) {
            addMember(context, request, protocols, group, memberId, future);
            return;
        }
        Errors invalid = validateMember(group, memberId, request.groupInstanceId());
        if (invalid != Errors.NONE) {
            future.complete(GroupRebalance.joinError(memberId, invalid));
            return;
        }
        ClassicMember member = group.member(memberId);
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            updateMemberThenRebalance(request, protocols, group, member, future);
        } else if (group.is(GroupState.COMPLETING_REBALANCE)) {
            if (member.matches(protocols)) {
                // The member lost our JoinGroup answer and asks again with the same metadata: repeat it.
                future.complete(GroupRebalance.joinResponse(group, member, group.isLeader(memberId), false));
            } else {
                updateMemberThenRebalance(request, protocols, group, member, future);
            }
        } else if (group.is(GroupState.STABLE)) {
            // The leader rejoining forces a rebalance: that is how a consumer leader reacts to metadata changes
            // (new partitions, new matching topics) that do not change its own subscription.
            if (group.isLeader(memberId) || !member.matches(protocols)) {
                updateMemberThenRebalance(request, protocols, group, member, future);
            } else {
                future.complete(GroupRebalance.joinResponse(group, member, false, false));
            }
        } else {
            future.complete(GroupRebalance.joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    private void addMember(MemberContext context, JoinGroupRequestData request,
                           List<ClassicMember.Protocol> protocols, ClassicGroup group, String memberId,
                           CompletableFuture<JoinGroupResponseData> future) {
        var member = new ClassicMember(memberId, request.groupInstanceId(), context.clientId(), context.clientHost(),
                request.protocolType(), rebalanceTimeoutMs(request), request.sessionTimeoutMs(), protocols);
        member.isNew(true);
        if (group.is(GroupState.PREPARING_REBALANCE) && group.previousState().equals(GroupState.EMPTY)) {
            group.newMemberAdded(true);
        }
        group.add(member);
        member.awaitJoin(future);
        // A parked JoinGroup cannot heartbeat; if the client gave up on it, this bounds how long it counts.
        rebalance.scheduleHeartbeatExpiry(group, memberId, config.newMemberJoinTimeoutMs());
        rebalance.maybePrepareRebalanceOrCompleteJoin(group);
    }

    /** JoinGroup v0 has no rebalance timeout: the session timeout is used, as Kafka does. */
    private static int rebalanceTimeoutMs(JoinGroupRequestData request) {
        return request.rebalanceTimeoutMs() > 0 ? request.rebalanceTimeoutMs() : request.sessionTimeoutMs();
    }

    private void updateMemberThenRebalance(JoinGroupRequestData request, List<ClassicMember.Protocol> protocols,
                                           ClassicGroup group, ClassicMember member,
                                           CompletableFuture<JoinGroupResponseData> future) {
        member.update(protocols, rebalanceTimeoutMs(request), request.sessionTimeoutMs());
        // A JoinGroup still parked for this member is superseded (its client moved to a new connection).
        member.completeJoin(GroupRebalance.joinError(member.memberId(), Errors.REBALANCE_IN_PROGRESS));
        member.awaitJoin(future);
        rebalance.maybePrepareRebalanceOrCompleteJoin(group);
    }

    private void rejoinStaticMember(MemberContext context, JoinGroupRequestData request,
                                    List<ClassicMember.Protocol> protocols, ClassicGroup group, String oldMemberId,
                                    String newMemberId, CompletableFuture<JoinGroupResponseData> future) {
        ClassicMember old = group.member(oldMemberId);
        // Whatever the old incarnation was waiting for is answered: it has been replaced.
        old.completeJoin(GroupRebalance.joinError(oldMemberId, Errors.FENCED_INSTANCE_ID));
        old.completeSync(new SyncGroupResponseData().setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
        List<ClassicMember.Protocol> oldProtocols = old.protocols();
        int oldRebalanceTimeoutMs = old.rebalanceTimeoutMs();
        int oldSessionTimeoutMs = old.sessionTimeoutMs();
        ClassicMember member = group.replaceStaticMember(request.groupInstanceId(), oldMemberId, newMemberId);
        rebalance.scheduleHeartbeatExpiry(group, newMemberId, member.sessionTimeoutMs());
        member.update(protocols, rebalanceTimeoutMs(request), request.sessionTimeoutMs());
        member.awaitJoin(future);
        if (group.is(GroupState.STABLE)) {
            if (!group.protocolName().equals(group.selectProtocol())) {
                rebalance.maybePrepareRebalanceOrCompleteJoin(group);
                return;
            }
            // KIP-345: same protocol, so the restarted instance takes over its assignment without a rebalance.
            // Persist the new member id first so that a coordinator restart fences the old one too.
            int generation = group.generation();
            var record = GroupRebalance.metadataRecord(group, group.currentAssignment());
            shard.write(List.of(record), error -> {
                if (error != Errors.NONE) {
                    member.update(oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs);
                    member.completeJoin(GroupRebalance.joinError("", GroupRebalance.appendErrorForGroup(error)));
                    group.replaceStaticMember(request.groupInstanceId(), newMemberId, oldMemberId);
                    rebalance.scheduleHeartbeatExpiry(group, oldMemberId, oldSessionTimeoutMs);
                } else if (group.generation() == generation) {
                    boolean leader = group.isLeader(newMemberId);
                    boolean skip = leader && JoinGroupRequest.supportsSkippingAssignment(context.apiVersion());
                    member.completeJoin(GroupRebalance.joinResponse(group, member, skip, skip));
                }
            });
        } else if (group.is(GroupState.COMPLETING_REBALANCE)) {
            // The leader may already be computing an assignment with the old member id: start over.
            rebalance.prepareRebalance(group);
        } else {
            rebalance.maybeCompleteJoinPhase(group);
        }
    }

    // ---- SyncGroup -------------------------------------------------------------------------------------------

    void sync(SyncGroupRequestData request, CompletableFuture<SyncGroupResponseData> future) {
        ClassicGroup group = shard.group(request.groupId());
        if (group == null || group.size() == 0) {
            future.complete(GroupRebalance.syncError(Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        Errors invalid = group.is(GroupState.DEAD) ? Errors.COORDINATOR_NOT_AVAILABLE
                : validateMember(group, request.memberId(), request.groupInstanceId());
        if (invalid == Errors.NONE && request.generationId() != group.generation()) {
            invalid = Errors.ILLEGAL_GENERATION;
        }
        if (invalid == Errors.NONE && (inconsistent(request.protocolType(), group.protocolType())
                || inconsistent(request.protocolName(), group.protocolName()))) {
            invalid = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (invalid != Errors.NONE) {
            future.complete(GroupRebalance.syncError(invalid));
            return;
        }
        String memberId = request.memberId();
        ClassicMember member = group.member(memberId);
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            future.complete(GroupRebalance.syncError(Errors.REBALANCE_IN_PROGRESS));
        } else if (group.is(GroupState.COMPLETING_REBALANCE)) {
            member.awaitSync(future);
            removePendingSync(group, memberId);
            if (group.isLeader(memberId)) {
                storeAssignment(group, request);
            }
        } else if (group.is(GroupState.STABLE)) {
            removePendingSync(group, memberId);
            future.complete(new SyncGroupResponseData().setProtocolType(group.protocolType())
                    .setProtocolName(group.protocolName()).setAssignment(member.assignment()));
        } else {
            future.complete(GroupRebalance.syncError(Errors.UNKNOWN_MEMBER_ID));
        }
    }

    /** Persists the leader's assignment; once it is committed every member gets its share and the group is Stable. */
    private void storeAssignment(ClassicGroup group, SyncGroupRequestData request) {
        var assignment = new HashMap<String, byte[]>();
        request.assignments().forEach(a -> assignment.put(a.memberId(), a.assignment()));
        for (ClassicMember member : group.members()) {
            assignment.putIfAbsent(member.memberId(), ClassicMember.EMPTY_ASSIGNMENT);
        }
        assignment.keySet().retainAll(group.currentAssignment().keySet());
        int generation = group.generation();
        shard.write(List.of(GroupRebalance.metadataRecord(group, assignment)), error -> {
            // A member may have joined or left while the record was being written; then this generation is over.
            if (!group.is(GroupState.COMPLETING_REBALANCE) || group.generation() != generation) {
                return;
            }
            if (error != Errors.NONE) {
                rebalance.propagateAssignment(group, Map.of(), GroupRebalance.appendErrorForGroup(error));
                rebalance.maybePrepareRebalanceOrCompleteJoin(group);
            } else {
                rebalance.propagateAssignment(group, assignment, Errors.NONE);
                group.transitionTo(GroupState.STABLE, shard.nowMs());
                log.info("Group {} is stable at generation {}", group.groupId(), group.generation());
            }
        });
    }

    private void removePendingSync(ClassicGroup group, String memberId) {
        group.removePendingSync(memberId);
        if (group.pendingSyncMembers().isEmpty()) {
            group.disarm(GroupRebalance.SYNC_TIMER);
        }
    }

    private static boolean inconsistent(String requested, String current) {
        return requested != null && !requested.equals(current);
    }

    // ---- Heartbeat -------------------------------------------------------------------------------------------

    HeartbeatResponseData heartbeat(HeartbeatRequestData request) {
        ClassicGroup group = shard.group(request.groupId());
        if (group == null) {
            return new HeartbeatResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
        }
        if (group.is(GroupState.DEAD)) {
            return new HeartbeatResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
        }
        Errors invalid = validateMember(group, request.memberId(), request.groupInstanceId());
        if (invalid == Errors.NONE && request.generationId() != group.generation()) {
            invalid = Errors.ILLEGAL_GENERATION;
        }
        if (invalid != Errors.NONE) {
            return new HeartbeatResponseData().setErrorCode(invalid.code());
        }
        ClassicMember member = group.member(request.memberId());
        if (group.is(GroupState.EMPTY)) {
            return new HeartbeatResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
        }
        rebalance.scheduleHeartbeatExpiry(group, member.memberId(), member.sessionTimeoutMs());
        Errors result = group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        return new HeartbeatResponseData().setErrorCode(result.code());
    }

    // ---- LeaveGroup ------------------------------------------------------------------------------------------

    LeaveGroupResponseData leave(String groupId, List<MemberIdentity> leaving) {
        ClassicGroup group = shard.group(groupId);
        if (group == null) {
            return new LeaveGroupResponseData().setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
        }
        if (group.is(GroupState.DEAD)) {
            return new LeaveGroupResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
        }
        var responses = new ArrayList<MemberResponse>();
        for (MemberIdentity identity : leaving) {
            String memberId = identity.memberId();
            String instanceId = identity.groupInstanceId();
            var response = new MemberResponse().setMemberId(memberId).setGroupInstanceId(instanceId);
            if (memberId.isEmpty()) {
                // KIP-345: an administrator removes a static member by its instance id alone.
                String staticId = instanceId == null ? null : group.staticMemberId(instanceId);
                if (staticId == null) {
                    response.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
                } else {
                    rebalance.removeMemberAndRebalance(group, group.member(staticId));
                }
            } else if (group.isPendingMember(memberId)) {
                group.remove(memberId);
                if (group.is(GroupState.PREPARING_REBALANCE) && group.hasAllMembersJoined()) {
                    rebalance.completeJoin(group);
                }
            } else {
                Errors invalid = validateMember(group, memberId, instanceId);
                if (invalid != Errors.NONE) {
                    response.setErrorCode(invalid.code());
                } else {
                    log.info("Group {}: member {} leaves ({})", group.groupId(), memberId,
                            identity.reason() == null ? "no reason given" : identity.reason());
                    rebalance.removeMemberAndRebalance(group, group.member(memberId));
                }
            }
            responses.add(response);
        }
        return new LeaveGroupResponseData().setMembers(responses);
    }

    // ---- shared ----------------------------------------------------------------------------------------------

    /**
     * The member check of every group API: a known instance id must map to this member id (else the caller is a
     * fenced older incarnation), and the member id must be in the group.
     */
    static Errors validateMember(ClassicGroup group, String memberId, String groupInstanceId) {
        if (groupInstanceId != null) {
            String existing = group.staticMemberId(groupInstanceId);
            if (existing == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!existing.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        return group.hasMember(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

}
