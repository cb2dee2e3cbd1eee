package io.tributary.broker.group;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator of this node: routes each group to its partition of {@code __consumer_offsets} (Kafka's
 * rule, {@code abs(groupId.hashCode()) % partitions}), serves the group APIs for the partitions this node leads,
 * and answers NOT_COORDINATOR for the others so clients look the coordinator up again.
 *
 * <p>Each partition's groups live in a {@link GroupShard} (one lock each), loaded from the log on first use or
 * by {@link #loadHostedPartitions()} at start.
 */
public final class GroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    /** The type every group this coordinator manages reports (KIP-848's "consumer" groups are not served). */
    public static final String CLASSIC_TYPE = "classic";

    private final GroupConfig config;
    private final CoordinatorLog coordinatorLog;
    private final CoordinatorTimer timer;
    private final Time time;
    private final Map<Integer, Shard> shards = new ConcurrentHashMap<>();
    private volatile CoordinatorTimer.Cancellable expiryTask;

    /** A partition's state, loaded at leader epoch {@code epoch}, and the two protocols that operate on it. */
    private record Shard(int epoch, GroupShard state, ClassicGroupProtocol protocol, GroupOffsets offsets) {
    }

    public GroupCoordinator(GroupConfig config, CoordinatorLog coordinatorLog, CoordinatorTimer timer, Time time) {
        this.config = config;
        this.coordinatorLog = coordinatorLog;
        this.timer = timer;
        this.time = time;
    }

    public GroupConfig config() {
        return config;
    }

    /** The partition of {@code __consumer_offsets} that coordinates {@code groupId}. */
    public int partitionFor(String groupId) {
        int partitions = coordinatorLog.partitionCount();
        return Utils.abs(groupId.hashCode()) % (partitions > 0 ? partitions : config.offsetsTopicNumPartitions());
    }

    /** Loads every partition this node leads and starts the periodic offset expiry. */
    public void startup() {
        loadHostedPartitions();
        scheduleExpiry();
    }

    public void loadHostedPartitions() {
        int partitions = coordinatorLog.partitionCount();
        for (int partition = 0; partition < partitions; partition++) {
            if (coordinatorLog.isLeader(partition)) {
                shard(partition);
            }
        }
    }

    private void scheduleExpiry() {
        expiryTask = timer.schedule(config.offsetsRetentionCheckIntervalMs(), () -> {
            for (Shard shard : shards.values()) {
                synchronized (shard.state()) {
                    shard.offsets().expire();
                }
            }
            scheduleExpiry();
        });
    }

    public void shutdown() {
        CoordinatorTimer.Cancellable task = expiryTask;
        if (task != null) {
            task.cancel();
        }
        shards.values().forEach(GroupCoordinator::unload);
    }

    /** Stops a shard's timers and answers its members' pending joins and syncs with NOT_COORDINATOR. */
    private static void unload(Shard shard) {
        synchronized (shard.state()) {
            for (ClassicGroup group : shard.state().groups()) {
                group.disarmAll();
                for (ClassicMember member : group.members()) {
                    member.completeJoin(GroupRebalance.joinError(member.memberId(), Errors.NOT_COORDINATOR));
                    member.completeSync(new SyncGroupResponseData().setErrorCode(Errors.NOT_COORDINATOR.code()));
                }
            }
        }
    }

    /** Where a group's requests go: its loaded shard, or why there is none here. */
    private record Routed(Shard shard, Errors error) {
    }

    /**
     * Routes {@code groupId}: INVALID_GROUP_ID for an empty id, COORDINATOR_NOT_AVAILABLE while
     * {@code __consumer_offsets} does not exist, NOT_COORDINATOR when another node leads its partition.
     */
    private Routed route(String groupId) {
        return groupId == null || groupId.isEmpty() ? new Routed(null, Errors.INVALID_GROUP_ID) : routeAnyId(groupId);
    }

    /**
     * {@link #route} for OffsetCommit and OffsetFetch, which Kafka still serves for the empty group id (the group of
     * consumers from before group management); only a missing (null) id is INVALID_GROUP_ID.
     */
    private Routed routeAnyId(String groupId) {
        if (groupId == null) {
            return new Routed(null, Errors.INVALID_GROUP_ID);
        }
        if (coordinatorLog.partitionCount() <= 0) {
            return new Routed(null, Errors.COORDINATOR_NOT_AVAILABLE);
        }
        Shard shard = shard(partitionFor(groupId));
        return shard == null ? new Routed(null, Errors.NOT_COORDINATOR) : new Routed(shard, Errors.NONE);
    }

    /**
     * The partition's shard when this node leads it: loaded on first use after this node became its leader. A shard
     * loaded at an older leader epoch is dropped and loaded again (another node led the partition in between, and
     * its log holds what that leader wrote); a partition no longer led here is dropped.
     */
    private Shard shard(int partition) {
        int epoch = coordinatorLog.leaderEpoch(partition);
        Shard current = shards.get(partition);
        if (current != null && current.epoch() != epoch && shards.remove(partition, current)) {
            log.info("{} the coordinator of __consumer_offsets-{} loaded at leader epoch {}", epoch < 0
                    ? "No longer" : "Reloading", partition, current.epoch());
            unload(current);
        }
        if (epoch < 0) {
            return null;
        }
        Shard shard = shards.computeIfAbsent(partition, p -> {
            var state = new GroupShard(p, coordinatorLog, timer, time);
            var rebalance = new GroupRebalance(state, config);
            return new Shard(epoch, state, new ClassicGroupProtocol(state, config, rebalance),
                    new GroupOffsets(state, config, rebalance));
        });
        List<ClassicGroup> restored = shard.state().loadIfNeeded();
        if (!restored.isEmpty()) {
            synchronized (shard.state()) {
                // Restored members get one session timeout to show up before they are evicted.
                restored.forEach(shard.protocol()::restored);
            }
        }
        return shard;
    }

    // ---- the group APIs --------------------------------------------------------------------------------------

    public CompletableFuture<JoinGroupResponseData> joinGroup(MemberContext context, JoinGroupRequestData request) {
        var future = new CompletableFuture<JoinGroupResponseData>();
        Routed routed = route(request.groupId());
        Shard shard = routed.shard();
        Errors invalid = routed.error();
        if (invalid == Errors.NONE && (request.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || request.sessionTimeoutMs() > config.maxSessionTimeoutMs())) {
            invalid = Errors.INVALID_SESSION_TIMEOUT;
        }
        if (invalid != Errors.NONE) {
            future.complete(GroupRebalance.joinError(request.memberId(), invalid));
            return future;
        }
        synchronized (shard.state()) {
            shard.protocol().join(context, request, future);
        }
        return future;
    }

    public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData request) {
        var future = new CompletableFuture<SyncGroupResponseData>();
        Routed routed = route(request.groupId());
        Shard shard = routed.shard();
        Errors invalid = routed.error();
        if (invalid != Errors.NONE) {
            future.complete(new SyncGroupResponseData().setErrorCode(invalid.code()).setAssignment(new byte[0]));
            return future;
        }
        synchronized (shard.state()) {
            shard.protocol().sync(request, future);
        }
        return future;
    }

    public HeartbeatResponseData heartbeat(HeartbeatRequestData request) {
        Routed routed = route(request.groupId());
        Shard shard = routed.shard();
        Errors invalid = routed.error();
        if (invalid != Errors.NONE) {
            return new HeartbeatResponseData().setErrorCode(invalid.code());
        }
        synchronized (shard.state()) {
            return shard.protocol().heartbeat(request);
        }
    }

    public LeaveGroupResponseData leaveGroup(String groupId, List<MemberIdentity> members) {
        Routed routed = route(groupId);
        Shard shard = routed.shard();
        Errors invalid = routed.error();
        if (invalid != Errors.NONE) {
            return new LeaveGroupResponseData().setErrorCode(invalid.code());
        }
        synchronized (shard.state()) {
            return shard.protocol().leave(groupId, members);
        }
    }

    /** {@link #commitOffsets(String, String, String, int, short, long, List)} without a retention of its own. */
    public CompletableFuture<Map<TopicPartition, Errors>> commitOffsets(String groupId, String memberId,
                                                                        String groupInstanceId, int generation,
                                                                        short apiVersion,
                                                                        List<OffsetToCommit> offsets) {
        return commitOffsets(groupId, memberId, groupInstanceId, generation, apiVersion,
                OffsetCommitRequest.DEFAULT_RETENTION_TIME, offsets);
    }

    /**
     * OffsetCommit (at {@code apiVersion}) for partitions whose topics exist; the answer has one error per
     * partition. {@code retentionTimeMs} is the request's retention (v2-4), -1 for the broker's
     * {@code offsets.retention.minutes}.
     */
    public CompletableFuture<Map<TopicPartition, Errors>> commitOffsets(String groupId, String memberId,
                                                                        String groupInstanceId, int generation,
                                                                        short apiVersion, long retentionTimeMs,
                                                                        List<OffsetToCommit> offsets) {
        var future = new CompletableFuture<Map<TopicPartition, Errors>>();
        Routed routed = routeAnyId(groupId);
        if (routed.error() != Errors.NONE) {
            future.complete(everyPartition(offsets, routed.error()));
            return future;
        }
        synchronized (routed.shard().state()) {
            routed.shard().offsets().commit(groupId, memberId, groupInstanceId, generation, apiVersion,
                    retentionTimeMs, offsets, future::complete);
        }
        return future;
    }

    /**
     * TxnOffsetCommit (KIP-98, KIP-447) for partitions whose topics exist; the answer has one error per partition.
     * The offsets are written as a transactional batch of {@code producerId} at {@code producerEpoch} and stay
     * pending, invisible to OffsetFetch, until {@link #completeTransaction} reports the transaction's end. From v3
     * the request carries the consumer's generation, member and instance id, fenced as for OffsetCommit; a
     * generation of -1 with no member is accepted whatever the group's state, and creates a missing group empty.
     *
     * @param transactionalId the producer's transactional id; the group side does not check it (the producer's
     *                        epoch is checked by the partition when the batch is appended)
     */
    public CompletableFuture<Map<TopicPartition, Errors>> commitTransactionalOffsets(
            String transactionalId, String groupId, long producerId, short producerEpoch, String memberId,
            String groupInstanceId, int generation, List<OffsetToCommit> offsets) {
        var future = new CompletableFuture<Map<TopicPartition, Errors>>();
        Routed routed = route(groupId);
        if (routed.error() != Errors.NONE) {
            future.complete(everyPartition(offsets, routed.error()));
            return future;
        }
        synchronized (routed.shard().state()) {
            routed.shard().offsets().commitTransactional(producerId, producerEpoch, groupId, memberId,
                    groupInstanceId, generation, offsets, future::complete);
        }
        return future;
    }

    /**
     * Topics were deleted: every group's offsets of them, committed or pending in an open transaction, are deleted
     * in every partition this node coordinates (loading any not loaded yet), as Kafka's group coordinator does on
     * the metadata change that deletes a topic ({@code GroupCoordinatorService.onMetadataUpdate}). The tombstones
     * are appended before this returns, so any commit accepted later, for a topic created again under the same
     * name, lands after them.
     *
     * <p>Takes each partition's shard lock: the caller must not hold a lock an append to
     * {@code __consumer_offsets} takes.
     */
    public void onTopicsDeleted(Set<String> topics) {
        if (topics.isEmpty()) {
            return;
        }
        int partitions = coordinatorLog.partitionCount();
        for (int partition = 0; partition < partitions; partition++) {
            if (!coordinatorLog.isLeader(partition)) {
                continue;
            }
            Shard shard = shard(partition);
            if (shard != null) {
                synchronized (shard.state()) {
                    shard.offsets().deleteTopics(topics);
                }
            }
        }
    }

    private static Map<TopicPartition, Errors> everyPartition(List<OffsetToCommit> offsets, Errors error) {
        return offsets.stream().collect(Collectors.toMap(OffsetToCommit::partition, o -> error, (a, b) -> a,
                LinkedHashMap::new));
    }

    /**
     * The end of {@code producerId}'s transaction on partition {@code offsetsPartition} of
     * {@code __consumer_offsets}: on commit its pending offsets there become the group's committed offsets (except
     * where a plain commit written after them already is), on abort they are dropped.
     *
     * <p>The server calls this once the transaction's COMMIT or ABORT marker has been appended to that partition
     * (acks=all, as the coordinator's own writes), and before it reports the marker as written: the producer's next
     * transaction must not be able to commit offsets in between. A partition this node does not lead is ignored
     * (its leader replays the marker when it loads); calling twice for the same marker changes nothing.
     *
     * <p>Takes the partition's shard lock, which is held while the coordinator appends to
     * {@code __consumer_offsets}: the caller must not hold a lock such an append takes (the partition's append
     * lock), or the two can deadlock.
     */
    public void completeTransaction(int offsetsPartition, long producerId, boolean commit) {
        Shard shard = shard(offsetsPartition);
        if (shard == null) {
            return;
        }
        shard.state().replayTransactionEnd(producerId, commit);
    }

    /**
     * What OffsetFetch returns for one group: a group-level error, or the committed offsets, and the partitions
     * answered UNSTABLE_OFFSET_COMMIT because an open transaction holds an offset for them (only when the fetch
     * required stable offsets).
     */
    public record FetchedOffsets(Errors error, Map<TopicPartition, CommittedOffset> offsets,
                                 Set<TopicPartition> unstable) {
        static FetchedOffsets failed(Errors error) {
            return new FetchedOffsets(error, Map.of(), Set.of());
        }
    }

    /** {@link #fetchOffsets(String, List, boolean)} without {@code requireStable}. */
    public FetchedOffsets fetchOffsets(String groupId, List<TopicPartition> partitions) {
        return fetchOffsets(groupId, partitions, false);
    }

    /**
     * The committed offsets of {@code groupId} for {@code partitions}, or all of them when {@code partitions} is
     * null. Partitions without a commit are absent from the map (the caller answers them with offset -1). With
     * {@code requireStable} (OffsetFetch v7+, KIP-447) a partition with a pending transactional offset is in
     * {@link FetchedOffsets#unstable()} instead, so the consumer retries until the transaction ended; fetching
     * all partitions considers those with a committed offset only, as Kafka does. The empty group id is a group
     * like any other here, as for OffsetCommit.
     */
    public FetchedOffsets fetchOffsets(String groupId, List<TopicPartition> partitions, boolean requireStable) {
        Routed routed = routeAnyId(groupId);
        Shard shard = routed.shard();
        Errors invalid = routed.error();
        if (invalid != Errors.NONE) {
            return FetchedOffsets.failed(invalid);
        }
        synchronized (shard.state()) {
            ClassicGroup group = shard.state().group(groupId);
            if (group != null && group.is(GroupState.DEAD)) {
                return FetchedOffsets.failed(Errors.GROUP_ID_NOT_FOUND);
            }
            Map<TopicPartition, CommittedOffset> committed = shard.state().offsets(groupId);
            var result = new LinkedHashMap<TopicPartition, CommittedOffset>();
            var unstable = new LinkedHashSet<TopicPartition>();
            for (TopicPartition tp : partitions == null ? committed.keySet() : partitions) {
                if (requireStable && shard.state().hasPendingOffset(groupId, tp)) {
                    unstable.add(tp);
                } else if (committed.containsKey(tp)) {
                    result.put(tp, committed.get(tp));
                }
            }
            return new FetchedOffsets(Errors.NONE, result, unstable);
        }
    }

    /** OffsetDelete: a group-level error, or one error per partition. */
    public record DeletedOffsets(Errors error, Map<TopicPartition, Errors> partitions) {
    }

    public CompletableFuture<DeletedOffsets> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        var future = new CompletableFuture<DeletedOffsets>();
        Routed routed = route(groupId);
        Shard shard = routed.shard();
        Errors invalid = routed.error();
        if (invalid != Errors.NONE) {
            future.complete(new DeletedOffsets(invalid, Map.of()));
            return future;
        }
        synchronized (shard.state()) {
            shard.offsets().delete(groupId, partitions, error -> future.complete(new DeletedOffsets(error, Map.of())),
                    results -> future.complete(new DeletedOffsets(Errors.NONE, results)));
        }
        return future;
    }

    /** DeleteGroups: one error per group (NONE when deleted); the empty group id is a group here too (Kafka). */
    public CompletableFuture<Map<String, Errors>> deleteGroups(List<String> groupIds) {
        var results = new ConcurrentHashMap<String, Errors>();
        var pending = new ArrayList<CompletableFuture<Void>>();
        for (String groupId : groupIds) {
            Routed routed = routeAnyId(groupId);
            Shard shard = routed.shard();
            Errors invalid = routed.error();
            if (invalid != Errors.NONE) {
                results.put(groupId, invalid);
                continue;
            }
            var done = new CompletableFuture<Void>();
            pending.add(done);
            synchronized (shard.state()) {
                shard.offsets().deleteGroup(groupId, error -> {
                    results.put(groupId, error);
                    done.complete(null);
                });
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            var ordered = new LinkedHashMap<String, Errors>();
            groupIds.forEach(id -> ordered.put(id, results.get(id)));
            return ordered;
        });
    }

    /**
     * ListGroups, filtered by state (KIP-518) and type (KIP-848) when the filters are given. Both ignore case; a
     * state is also taken without surrounding spaces and a type is not, as Kafka's
     * {@code GroupMetadataManager.listGroups} compares them.
     */
    public List<ListedGroup> listGroups(List<String> statesFilter, List<String> typesFilter) {
        Set<String> states = statesFilter.stream().map(s -> s.toLowerCase(Locale.ROOT).trim())
                .collect(Collectors.toSet());
        Set<String> types = typesFilter.stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        var listed = new ArrayList<ListedGroup>();
        if (!types.isEmpty() && !types.contains(CLASSIC_TYPE)) {
            return listed;
        }
        for (Shard shard : List.copyOf(shards.values())) {
            if (shard(shard.state().partition()) == null) {
                continue;
            }
            synchronized (shard.state()) {
                for (ClassicGroup group : shard.state().groups()) {
                    String state = group.state().kafkaName();
                    if (states.isEmpty() || states.contains(state.toLowerCase(Locale.ROOT))) {
                        listed.add(new ListedGroup().setGroupId(group.groupId())
                                .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                                .setGroupState(state).setGroupType(CLASSIC_TYPE));
                    }
                }
            }
        }
        return listed;
    }

    /**
     * DescribeGroups for one group, the empty group id included (Kafka serves it, as for offsets). Members carry
     * their current assignment in every state, and their metadata for the chosen protocol only while the group is
     * Stable, as Kafka's {@code GroupMetadataManager.describeGroups} (with {@code ClassicGroupMember.describe} and
     * {@code describeNoMetadata}); an unknown group is Dead, with GROUP_ID_NOT_FOUND when {@code notFoundIsError}
     * (v6+).
     */
    public DescribedGroup describeGroup(String groupId, boolean notFoundIsError) {
        Routed routed = routeAnyId(groupId);
        Shard shard = routed.shard();
        Errors invalid = routed.error();
        if (invalid != Errors.NONE) {
            return new DescribedGroup().setGroupId(groupId).setErrorCode(invalid.code()).setGroupState("");
        }
        synchronized (shard.state()) {
            ClassicGroup group = shard.state().group(groupId);
            if (group == null || group.is(GroupState.DEAD)) {
                var dead = new DescribedGroup().setGroupId(groupId).setGroupState(GroupState.DEAD.kafkaName())
                        .setProtocolType("").setProtocolData("");
                if (notFoundIsError) {
                    dead.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                            .setErrorMessage("Group " + groupId + " not found.");
                }
                return dead;
            }
            boolean stable = group.is(GroupState.STABLE);
            var described = new DescribedGroup().setGroupId(groupId).setGroupState(group.state().kafkaName())
                    .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                    .setProtocolData(stable && group.protocolName() != null ? group.protocolName() : "");
            for (ClassicMember member : group.members()) {
                described.members().add(new DescribedGroupMember().setMemberId(member.memberId())
                        .setGroupInstanceId(member.groupInstanceId()).setClientId(member.clientId())
                        .setClientHost(member.clientHost())
                        .setMemberMetadata(stable ? member.metadata(group.protocolName()) : new byte[0])
                        .setMemberAssignment(member.assignment()));
            }
            return described;
        }
    }

    /** Whether {@code topic} is the internal topic this coordinator writes to. */
    public static boolean isOffsetsTopic(String topic) {
        return Topic.GROUP_METADATA_TOPIC_NAME.equals(topic);
    }
}
