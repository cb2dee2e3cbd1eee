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
 * The classic rebalance protocol of one {@link GroupShard}: JoinGroup, SyncGroup, Heartbeat and LeaveGroup, and
 * the deadlines between them, with Kafka's rules and error codes:
 *
 * <ul>
 *   <li>A new dynamic member gets an id and MEMBER_ID_REQUIRED (JoinGroup v4+), then joins with it.</li>
 *   <li>A join or leave moves the group to PreparingRebalance; the join phase ends when every member rejoined or
 *       the rebalance timeout ({@code max.poll.interval.ms}) passed, and members that did not rejoin are evicted.
 *       A group's first rebalance waits {@code group.initial.rebalance.delay.ms}, extended while members keep
 *       arriving.</li>
 *   <li>The leader's SyncGroup carries the assignment; it is persisted as a group metadata record, then every
 *       member's SyncGroup is answered and the group is Stable.</li>
 *   <li>A member silent for its session timeout is removed. A static member ({@code group.instance.id}) that
 *       rejoins in a Stable group takes over its old assignment without a rebalance; its old member id is
 *       fenced (FENCED_INSTANCE_ID).</li>
 * </ul>
 *
 * Every method runs under the shard's lock.
 */
final class ClassicGroupProtocol {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupProtocol.class);
    private static final String JOIN_TIMER = "join";
    private static final String SYNC_TIMER = "sync";

    private final GroupShard shard;
    private final GroupConfig config;

    ClassicGroupProtocol(GroupShard shard, GroupConfig config) {
        this.shard = shard;
        this.config = config;
    }

    // ---- JoinGroup -------------------------------------------------------------------------------------------

    void join(MemberContext context, JoinGroupRequestData request, CompletableFuture<JoinGroupResponseData> future) {
        String memberId = request.memberId();
        boolean unknownMember = memberId.isEmpty();
        ClassicGroup group = shard.group(request.groupId());
        boolean created = group == null;
        if (created) {
            if (!unknownMember) {
                future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
                return;
            }
            group = shard.getOrCreate(request.groupId());
        }
        List<ClassicMember.Protocol> protocols = protocols(request);
        if (!acceptsJoiningMember(group, memberId)) {
            group.remove(memberId);
            future.complete(joinError("", Errors.GROUP_MAX_SIZE_REACHED));
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
            future.complete(joinError("", Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(request.protocolType(), protocols)) {
            future.complete(joinError("", Errors.INCONSISTENT_GROUP_PROTOCOL));
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
            scheduleHeartbeatExpiry(group, newMemberId, request.sessionTimeoutMs());
            future.complete(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
        } else {
            addMember(context, request, protocols, group, newMemberId, future);
        }
    }

    private void joinExistingMember(MemberContext context, JoinGroupRequestData request,
                                    List<ClassicMember.Protocol> protocols, ClassicGroup group,
                                    CompletableFuture<JoinGroupResponseData> future) {
        String memberId = request.memberId();
        if (group.is(GroupState.DEAD)) {
            future.complete(joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(request.protocolType(), protocols)) {
            future.complete(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        if (group.isPendingMember(memberId)) {
            addMember(context, request, protocols, group, memberId, future);
            return;
        }
        Errors invalid = validateMember(group, memberId, request.groupInstanceId());
        if (invalid != Errors.NONE) {
            future.complete(joinError(memberId, invalid));
            return;
        }
        ClassicMember member = group.member(memberId);
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            updateMemberThenRebalance(request, protocols, group, member, future);
        } else if (group.is(GroupState.COMPLETING_REBALANCE)) {
            if (member.matches(protocols)) {
                // The member lost our JoinGroup answer and asks again with the same metadata: repeat it.
                future.complete(joinResponse(group, member, group.isLeader(memberId), false));
            } else {
                updateMemberThenRebalance(request, protocols, group, member, future);
            }
        } else if (group.is(GroupState.STABLE)) {
            // The leader rejoining forces a rebalance: that is how a consumer leader reacts to metadata changes
            // (new partitions, new matching topics) that do not change its own subscription.
            if (group.isLeader(memberId) || !member.matches(protocols)) {
                updateMemberThenRebalance(request, protocols, group, member, future);
            } else {
                future.complete(joinResponse(group, member, false, false));
            }
        } else {
            future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
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
        scheduleHeartbeatExpiry(group, memberId, config.newMemberJoinTimeoutMs());
        maybePrepareRebalanceOrCompleteJoin(group);
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
        member.completeJoin(joinError(member.memberId(), Errors.REBALANCE_IN_PROGRESS));
        member.awaitJoin(future);
        maybePrepareRebalanceOrCompleteJoin(group);
    }

    private void rejoinStaticMember(MemberContext context, JoinGroupRequestData request,
                                    List<ClassicMember.Protocol> protocols, ClassicGroup group, String oldMemberId,
                                    String newMemberId, CompletableFuture<JoinGroupResponseData> future) {
        ClassicMember old = group.member(oldMemberId);
        // Whatever the old incarnation was waiting for is answered: it has been replaced.
        old.completeJoin(joinError(oldMemberId, Errors.FENCED_INSTANCE_ID));
        old.completeSync(new SyncGroupResponseData().setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
        List<ClassicMember.Protocol> oldProtocols = old.protocols();
        int oldRebalanceTimeoutMs = old.rebalanceTimeoutMs();
        int oldSessionTimeoutMs = old.sessionTimeoutMs();
        ClassicMember member = group.replaceStaticMember(request.groupInstanceId(), oldMemberId, newMemberId);
        scheduleHeartbeatExpiry(group, newMemberId, member.sessionTimeoutMs());
        member.update(protocols, rebalanceTimeoutMs(request), request.sessionTimeoutMs());
        member.awaitJoin(future);
        if (group.is(GroupState.STABLE)) {
            if (!group.protocolName().equals(group.selectProtocol())) {
                maybePrepareRebalanceOrCompleteJoin(group);
                return;
            }
            // KIP-345: same protocol, so the restarted instance takes over its assignment without a rebalance.
            // Persist the new member id first so that a coordinator restart fences the old one too.
            int generation = group.generation();
            var record = metadataRecord(group, group.currentAssignment());
            shard.write(List.of(record), error -> {
                if (error != Errors.NONE) {
                    member.update(oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs);
                    member.completeJoin(joinError("", appendErrorForGroup(error)));
                    group.replaceStaticMember(request.groupInstanceId(), newMemberId, oldMemberId);
                    scheduleHeartbeatExpiry(group, oldMemberId, oldSessionTimeoutMs);
                } else if (group.generation() == generation) {
                    boolean leader = group.isLeader(newMemberId);
                    boolean skip = leader && JoinGroupRequest.supportsSkippingAssignment(context.apiVersion());
                    member.completeJoin(joinResponse(group, member, skip, skip));
                }
            });
        } else if (group.is(GroupState.COMPLETING_REBALANCE)) {
            // The leader may already be computing an assignment with the old member id: start over.
            prepareRebalance(group);
        } else {
            maybeCompleteJoinPhase(group);
        }
    }

    private void maybePrepareRebalanceOrCompleteJoin(ClassicGroup group) {
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
    private void scheduleInitialRebalance(ClassicGroup group, int delayMs, int remainingMs) {
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

    private void maybeCompleteJoinPhase(ClassicGroup group) {
        if (group.is(GroupState.PREPARING_REBALANCE) && !group.previousState().equals(GroupState.EMPTY)
                && group.hasAllMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: evicts dynamic members that did not rejoin and opens the next generation. */
    private void completeJoin(ClassicGroup group) {
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

    private void expirePendingSync(ClassicGroup group, int generation) {
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

    private JoinGroupResponseData joinResponse(ClassicGroup group, ClassicMember member, boolean withMembers,
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

    // ---- SyncGroup -------------------------------------------------------------------------------------------

    void sync(SyncGroupRequestData request, CompletableFuture<SyncGroupResponseData> future) {
        ClassicGroup group = shard.group(request.groupId());
        if (group == null || group.size() == 0) {
            future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
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
            future.complete(syncError(invalid));
            return;
        }
        String memberId = request.memberId();
        ClassicMember member = group.member(memberId);
        if (group.is(GroupState.PREPARING_REBALANCE)) {
            future.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
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
            future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
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
        shard.write(List.of(metadataRecord(group, assignment)), error -> {
            // A member may have joined or left while the record was being written; then this generation is over.
            if (!group.is(GroupState.COMPLETING_REBALANCE) || group.generation() != generation) {
                return;
            }
            if (error != Errors.NONE) {
                propagateAssignment(group, Map.of(), appendErrorForGroup(error));
                maybePrepareRebalanceOrCompleteJoin(group);
            } else {
                propagateAssignment(group, assignment, Errors.NONE);
                group.transitionTo(GroupState.STABLE, shard.nowMs());
                log.info("Group {} is stable at generation {}", group.groupId(), group.generation());
            }
        });
    }

    private void propagateAssignment(ClassicGroup group, Map<String, byte[]> assignment, Errors error) {
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

    private void removePendingSync(ClassicGroup group, String memberId) {
        group.removePendingSync(memberId);
        if (group.pendingSyncMembers().isEmpty()) {
            group.disarm(SYNC_TIMER);
        }
    }

    private static boolean inconsistent(String requested, String current) {
        return requested != null && !requested.equals(current);
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
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
        scheduleHeartbeatExpiry(group, member.memberId(), member.sessionTimeoutMs());
        Errors result = group.is(GroupState.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        return new HeartbeatResponseData().setErrorCode(result.code());
    }

    void scheduleHeartbeatExpiry(ClassicGroup group, String memberId, long timeoutMs) {
        shard.schedule(group, ClassicGroup.heartbeatKey(memberId), timeoutMs, () -> expireMember(group, memberId));
    }

    private void expireMember(ClassicGroup group, String memberId) {
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
        if (member != null) {
            log.info("Group {}: member {} missed its session timeout of {} ms and is removed", group.groupId(),
                    memberId, member.sessionTimeoutMs());
            removeMemberAndRebalance(group, member);
        }
    }

    /** Removes a member; a Stable or CompletingRebalance group rebalances, a preparing one may now complete. */
    private void removeMemberAndRebalance(ClassicGroup group, ClassicMember member) {
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
                    removeMemberAndRebalance(group, group.member(staticId));
                }
            } else if (group.isPendingMember(memberId)) {
                group.remove(memberId);
                if (group.is(GroupState.PREPARING_REBALANCE) && group.hasAllMembersJoined()) {
                    completeJoin(group);
                }
            } else {
                Errors invalid = validateMember(group, memberId, instanceId);
                if (invalid != Errors.NONE) {
                    response.setErrorCode(invalid.code());
                } else {
                    log.info("Group {}: member {} leaves ({})", group.groupId(), memberId,
                            identity.reason() == null ? "no reason given" : identity.reason());
                    removeMemberAndRebalance(group, group.member(memberId));
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

    private static CoordinatorLog.Entry metadataRecord(ClassicGroup group, Map<String, byte[]> assignment) {
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
