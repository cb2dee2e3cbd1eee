package io.tributary.broker.group;

import io.tributary.broker.group.GroupRecords.StoredGroup;
import io.tributary.broker.group.GroupRecords.StoredMember;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;

/**
 * A classic-protocol group (JoinGroup/SyncGroup): its state, generation, chosen protocol, leader and members, plus
 * the timers that drive it (join, sync, one heartbeat per member). Guarded by the owning {@link GroupShard}'s lock;
 * the rebalance rules live in {@link ClassicGroupProtocol}, this class only keeps the books.
 */
final class ClassicGroup {
    private final String groupId;
    private GroupState state = GroupState.EMPTY;
    private GroupState previousState = GroupState.EMPTY;
    private long stateTimestampMs = -1;
    private int generation;
    private String protocolType;
    private String protocolName;
    private String leaderId;
    private final Map<String, ClassicMember> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private final Set<String> pendingJoinMembers = new HashSet<>();
    private final Set<String> pendingSyncMembers = new HashSet<>();
    private boolean newMemberAdded;
    private final Map<String, ArmedTimer> timers = new HashMap<>();
    private long timerEpoch;

    /**
     * A scheduled deadline of this group under a key ("join", "sync", "heartbeat-" + member id). A task that
     * fires after it was replaced or cancelled finds a different epoch and does nothing: timers fire on another
     * thread, so cancelling cannot stop one that is already waiting for the lock.
     */
    record ArmedTimer(long epoch, CoordinatorTimer.Cancellable handle) {
    }

    ClassicGroup(String groupId) {
        this.groupId = groupId;
    }

    /** Rebuilds a group from its last metadata record (loading {@code __consumer_offsets}). */
    static ClassicGroup restore(String groupId, StoredGroup stored) {
        var group = new ClassicGroup(groupId);
        group.generation = stored.generation();
        group.protocolType = stored.protocolType().isEmpty() ? null : stored.protocolType();
        group.protocolName = stored.protocol();
        group.leaderId = stored.leader();
        group.stateTimestampMs = stored.currentStateTimestampMs();
        for (StoredMember stored1 : stored.members()) {
            var protocols = List.of(new ClassicMember.Protocol(stored.protocol(), stored1.subscription()));
            var member = new ClassicMember(stored1.memberId(), stored1.groupInstanceId(), stored1.clientId(),
                    stored1.clientHost(), stored.protocolType(), stored1.rebalanceTimeoutMs(),
                    stored1.sessionTimeoutMs(), protocols);
            member.assignment(stored1.assignment());
            group.members.put(member.memberId(), member);
            if (member.isStatic()) {
                group.staticMembers.put(member.groupInstanceId(), member.memberId());
            }
        }
        group.state = group.members.isEmpty() ? GroupState.EMPTY : GroupState.STABLE;
        group.previousState = group.state;
        return group;
    }

    /** The metadata record of the current generation, with the given assignment per member. */
    StoredGroup toStored(Map<String, byte[]> assignment) {
        var stored = new ArrayList<StoredMember>();
        for (ClassicMember member : members.values()) {
            stored.add(new StoredMember(member.memberId(), member.groupInstanceId(), member.clientId(),
                    member.clientHost(), member.rebalanceTimeoutMs(), member.sessionTimeoutMs(),
                    protocolName == null ? new byte[0] : member.metadata(protocolName),
                    assignment.getOrDefault(member.memberId(), ClassicMember.EMPTY_ASSIGNMENT)));
        }
        return new StoredGroup(protocolType == null ? "" : protocolType, generation, protocolName, leaderId,
                stateTimestampMs, stored);
    }

    String groupId() {
        return groupId;
    }

    GroupState state() {
        return state;
    }

    GroupState previousState() {
        return previousState;
    }

    boolean is(GroupState candidate) {
        return state.equals(candidate);
    }

    long stateTimestampMs() {
        return stateTimestampMs;
    }

    void transitionTo(GroupState next, long nowMs) {
        if (!next.validPrevious().contains(state.getClass())) {
            throw new IllegalStateException("Group " + groupId + " cannot move from " + state.kafkaName() + " to "
                    + next.kafkaName());
        }
        previousState = state;
        state = next;
        stateTimestampMs = nowMs;
    }

    int generation() {
        return generation;
    }

    String protocolType() {
        return protocolType;
    }

    String protocolName() {
        return protocolName;
    }

    String leaderId() {
        return leaderId;
    }

    boolean isLeader(String memberId) {
        return memberId.equals(leaderId);
    }

    Collection<ClassicMember> members() {
        return members.values();
    }

    int size() {
        return members.size();
    }

    boolean hasMember(String memberId) {
        return members.containsKey(memberId);
    }

    ClassicMember member(String memberId) {
        return members.get(memberId);
    }

    String staticMemberId(String groupInstanceId) {
        return staticMembers.get(groupInstanceId);
    }

    String newMemberId(String clientId, String groupInstanceId) {
        return (groupInstanceId != null ? groupInstanceId : clientId) + "-" + UUID.randomUUID();
    }

    void add(ClassicMember member) {
        if (members.isEmpty()) {
            protocolType = member.protocolType();
        }
        if (leaderId == null) {
            leaderId = member.memberId();
        }
        members.put(member.memberId(), member);
        if (member.isStatic()) {
            staticMembers.put(member.groupInstanceId(), member.memberId());
        }
        pendingJoinMembers.remove(member.memberId());
    }

    /** Removes a member (or a pending one); a removed leader is replaced by the longest-standing member. */
    void remove(String memberId) {
        ClassicMember removed = members.remove(memberId);
        if (removed != null && removed.isStatic() && memberId.equals(staticMembers.get(removed.groupInstanceId()))) {
            staticMembers.remove(removed.groupInstanceId());
        }
        pendingJoinMembers.remove(memberId);
        pendingSyncMembers.remove(memberId);
        disarm(heartbeatKey(memberId));
        if (memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /**
     * Gives a static member's instance a new member id (it rejoined without its old one); the old id is fenced
     * from now on. Returns the member under its new id.
     */
    ClassicMember replaceStaticMember(String groupInstanceId, String oldMemberId, String newMemberId) {
        ClassicMember old = members.remove(oldMemberId);
        disarm(heartbeatKey(oldMemberId));
        pendingSyncMembers.remove(oldMemberId);
        ClassicMember replacement = old.withMemberId(newMemberId);
        members.put(newMemberId, replacement);
        staticMembers.put(groupInstanceId, newMemberId);
        if (oldMemberId.equals(leaderId)) {
            leaderId = newMemberId;
        }
        return replacement;
    }

    void addPendingMember(String memberId) {
        pendingJoinMembers.add(memberId);
    }

    boolean isPendingAny() {
        return !pendingJoinMembers.isEmpty();
    }

    /** The group was deleted: anyone still holding it sees Dead and retries elsewhere. */
    void markDead(long nowMs) {
        transitionTo(GroupState.DEAD, nowMs);
    }

    boolean isPendingMember(String memberId) {
        return pendingJoinMembers.contains(memberId);
    }

    boolean hasAllMembersJoined() {
        return pendingJoinMembers.isEmpty() && members.values().stream().allMatch(ClassicMember::isAwaitingJoin);
    }

    int awaitingJoinCount() {
        return (int) members.values().stream().filter(ClassicMember::isAwaitingJoin).count();
    }

    List<ClassicMember> notYetRejoined() {
        return members.values().stream().filter(member -> !member.isAwaitingJoin()).toList();
    }

    /**
     * Keeps the leader if it rejoined, else hands leadership to a member that did. False when nobody rejoined.
     */
    boolean electJoinedLeader() {
        if (leaderId == null) {
            return false;
        }
        if (members.get(leaderId).isAwaitingJoin()) {
            return true;
        }
        for (ClassicMember member : members.values()) {
            if (member.isAwaitingJoin()) {
                leaderId = member.memberId();
                return true;
            }
        }
        return false;
    }

    /** The largest rebalance timeout of the members (how long a rebalance may wait for them). */
    int rebalanceTimeoutMs() {
        int max = 0;
        for (ClassicMember member : members.values()) {
            max = Math.max(max, member.rebalanceTimeoutMs());
        }
        return max;
    }

    /**
     * Whether a member offering {@code offered} of {@code type} may join: any non-empty offer when the group has no
     * members, otherwise the same protocol type and at least one protocol every current member supports.
     */
    boolean supportsProtocols(String type, List<ClassicMember.Protocol> offered) {
        if (members.isEmpty()) {
            return type != null && !type.isEmpty() && !offered.isEmpty();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        Set<String> candidates = candidateProtocols();
        return offered.stream().anyMatch(protocol -> candidates.contains(protocol.name()));
    }

    private Set<String> candidateProtocols() {
        Set<String> candidates = null;
        for (ClassicMember member : members.values()) {
            Set<String> names = new HashSet<>();
            member.protocols().forEach(protocol -> names.add(protocol.name()));
            if (candidates == null) {
                candidates = names;
            } else {
                candidates.retainAll(names);
            }
        }
        return candidates == null ? Set.of() : candidates;
    }

    /** The protocol every member supports that most members prefer. */
    String selectProtocol() {
        Set<String> candidates = candidateProtocols();
        var votes = new LinkedHashMap<String, Integer>();
        for (ClassicMember member : members.values()) {
            votes.merge(member.vote(candidates), 1, Integer::sum);
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElseThrow();
    }

    /** Opens the next generation: CompletingRebalance with a chosen protocol, or Empty when nobody is left. */
    void initNextGeneration(long nowMs) {
        generation++;
        if (members.isEmpty()) {
            protocolName = null;
            transitionTo(GroupState.EMPTY, nowMs);
        } else {
            protocolName = selectProtocol();
            transitionTo(GroupState.COMPLETING_REBALANCE, nowMs);
        }
        pendingSyncMembers.clear();
    }

    /** What JoinGroup tells the leader: every member with its metadata for the chosen protocol. */
    List<JoinGroupResponseMember> membersForLeader() {
        var list = new ArrayList<JoinGroupResponseMember>();
        for (ClassicMember member : members.values()) {
            list.add(new JoinGroupResponseMember().setMemberId(member.memberId())
                    .setGroupInstanceId(member.groupInstanceId()).setMetadata(member.metadata(protocolName)));
        }
        return list;
    }

    Map<String, byte[]> currentAssignment() {
        var assignment = new HashMap<String, byte[]>();
        members.values().forEach(member -> assignment.put(member.memberId(), member.assignment()));
        return assignment;
    }

    boolean newMemberAdded() {
        return newMemberAdded;
    }

    void newMemberAdded(boolean value) {
        this.newMemberAdded = value;
    }

    void addPendingSync(String memberId) {
        pendingSyncMembers.add(memberId);
    }

    void removePendingSync(String memberId) {
        pendingSyncMembers.remove(memberId);
    }

    Set<String> pendingSyncMembers() {
        return Set.copyOf(pendingSyncMembers);
    }

    long nextTimerEpoch() {
        return ++timerEpoch;
    }

    /** Records the timer armed under {@code key}, cancelling the one it replaces. */
    void arm(String key, ArmedTimer timer) {
        ArmedTimer previous = timers.put(key, timer);
        if (previous != null) {
            previous.handle().cancel();
        }
    }

    /** Whether the timer with {@code epoch} is still the one armed under {@code key}; if so it is disarmed. */
    boolean fire(String key, long epoch) {
        ArmedTimer armed = timers.get(key);
        if (armed == null || armed.epoch() != epoch) {
            return false;
        }
        timers.remove(key);
        return true;
    }

    void disarm(String key) {
        ArmedTimer previous = timers.remove(key);
        if (previous != null) {
            previous.handle().cancel();
        }
    }

    /** Stops every timer of the group (it is deleted or unloaded). */
    void disarmAll() {
        timers.values().forEach(timer -> timer.handle().cancel());
        timers.clear();
    }

    static String heartbeatKey(String memberId) {
        return "heartbeat-" + memberId;
    }
}
