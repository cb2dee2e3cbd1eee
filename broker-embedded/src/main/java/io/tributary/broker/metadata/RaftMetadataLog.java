package io.tributary.broker.metadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata log of a cluster: replicated by the controller quorum ({@code controller.quorum.voters}) on Apache
 * Ratis. The Raft leader is the active controller; every voter applies the committed entries to its image through
 * a {@link MetadataStateMachine}, from a snapshot plus the entries after it at start.
 *
 * <p>The active controller appends straight into its own Raft server (no network hop, no redirection: records
 * computed from this node's image must never be appended by another leader). Other nodes reach it through a Ratis
 * client, which follows leadership changes, for the requests they {@link #forward}.
 *
 * <p>Raft state lives under {@code <dir>/<group id>/}: Ratis' log segments, its term and vote, and the snapshots.
 */
public final class RaftMetadataLog implements MetadataLog {
    private static final Logger log = LoggerFactory.getLogger(RaftMetadataLog.class);
    /** The pause between two tries of a forwarded request (the leader died, or is not elected yet). */
    private static final long FORWARD_RETRY_MS = 50;
    /** How long one try of a forwarded request may take before the client tries the next voter. */
    static final long FORWARD_TRY_MS = 3_000;
    /** How long a leader that just took over may take to apply what its predecessors committed. */
    private static final long CATCH_UP_WAIT_MS = 5_000;

    /** One member of the controller quorum: {@code id@host:port} in {@code controller.quorum.voters}. */
    public record Voter(int id, String host, int port) {
        String address() {
            return host + ":" + port;
        }
    }

    /**
     * @param electionTimeout how long a follower waits for the leader before it stands for election (Kafka's
     *                        {@code controller.quorum.election.timeout.ms}); Ratis picks a random timeout in
     *                        [this, 2 × this)
     * @param requestTimeout  how long an append or a forwarded request may take
     * @param snapshotEvery   committed entries between two snapshots (the log before a snapshot is purged)
     * @param catchUpTimeout  how long a starting member waits for the quorum to tell it how far to catch up
     */
    public record Settings(Duration electionTimeout, Duration requestTimeout, long snapshotEvery,
                           Duration catchUpTimeout) {
        public static final Settings DEFAULT = new Settings(Duration.ofMillis(1000), Duration.ofSeconds(30), 10_000,
                Duration.ofSeconds(60));
    }

    private final int nodeId;
    private final List<Voter> voters;
    private final String bindHost;
    private final Path dir;
    private final Settings settings;
    private final RaftGroup group;
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private volatile int leaderId = -1;
    private RaftServer server;
    private RaftServer.Division division;
    private MetadataStateMachine stateMachine;
    private RaftClient client;
    private MetadataLog.Applier applier;

    /**
     * @param bindHost where this node's Raft server listens (its controller listener's host), or null for the host
     *                 its voter entry names
     * @param dir      where this node keeps its Raft state ({@code __cluster_metadata} in the first log directory)
     * @param name     what the quorum's Raft group id is derived from (the cluster id), the same on every member
     */
    public RaftMetadataLog(int nodeId, List<Voter> voters, String bindHost, Path dir, String name,
                           Settings settings) {
        if (voters.stream().noneMatch(voter -> voter.id() == nodeId)) {
            throw new IllegalArgumentException("Node " + nodeId + " is not one of the voters " + voters);
        }
        this.nodeId = nodeId;
        this.voters = List.copyOf(voters);
        this.bindHost = bindHost;
        this.dir = dir;
        this.settings = settings;
        this.group = groupOf(voters, name);
    }

    /** The quorum's Raft group: its id derived from {@code name}, the same on every node. */
    static RaftGroup groupOf(List<Voter> voters, String name) {
        var peers = new ArrayList<RaftPeer>();
        for (Voter voter : voters) {
            peers.add(RaftPeer.newBuilder().setId(peerId(voter.id())).setAddress(voter.address()).build());
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(
                UUID.nameUUIDFromBytes(("tributary-metadata:" + name).getBytes(StandardCharsets.UTF_8))), peers);
    }

    /**
     * A client of the quorum that follows leadership changes and retries each request for up to the settings'
     * request timeout.
     */
    static RaftClient clientOf(RaftGroup group, Settings settings) {
        var properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(
                Math.min(FORWARD_TRY_MS, settings.requestTimeout().toMillis()), TimeUnit.MILLISECONDS));
        return RaftClient.newBuilder()
                .setProperties(properties)
                .setRaftGroup(group)
                .setClientId(ClientId.randomId())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(1, settings.requestTimeout().toMillis() / FORWARD_RETRY_MS),
                        TimeDuration.valueOf(FORWARD_RETRY_MS, TimeUnit.MILLISECONDS)))
                .build();
    }

    /** Sends a forwarded request through {@code client} to the active controller. */
    static CompletableFuture<ByteBuffer> forwardThrough(RaftClient client, ByteBuffer request) {
        return client.async().sendReadOnly(Message.valueOf(ByteString.copyFrom(request)))
                .handle((reply, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        throw new NotControllerException("No active controller answered: " + cause);
                    }
                    if (!reply.isSuccess()) {
                        throw new NotControllerException("No active controller answered: " + reply.getException());
                    }
                    return reply.getMessage().getContent().asReadOnlyByteBuffer();
                });
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(String.valueOf(nodeId));
    }

    /**
     * Starts this member and returns once it has applied everything the quorum had committed when it asked (so the
     * node never acts on its own stale copy: a restarted node that led a partition before it died must not act as
     * that partition's leader, or coordinator, from its old metadata), or fails after {@code catchUpTimeout}.
     */
    @Override
    public void start(Applier applier) {
        this.applier = applier;
        Voter self = voters.stream().filter(voter -> voter.id() == nodeId).findFirst().orElseThrow();
        RaftProperties properties = properties();
        NettyConfigKeys.Server.setHost(properties, bindHost != null ? bindHost : self.host());
        NettyConfigKeys.Server.setPort(properties, self.port());
        try {
            Files.createDirectories(dir);
            stateMachine = new MetadataStateMachine(applier, id -> leaderId = id);
            server = RaftServer.newBuilder()
                    .setServerId(peerId(nodeId))
                    .setGroup(group)
                    .setStateMachine(stateMachine)
                    .setProperties(properties)
                    .setOption(RaftStorage.StartupOption.RECOVER)
                    .build();
            server.start();
            division = server.getDivision(group.getGroupId());
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Cannot start the controller quorum member " + nodeId + " on "
                    + self.address() + " (controller.quorum.voters): " + e.getMessage(), e);
        }
        client = clientOf(group, settings);
        log.info("Controller quorum member {} started on {} (voters {})", nodeId, self.address(), voters);
        awaitCaughtUp();
    }

    /** Asks the leader how far the log is committed, and waits until this member applied that far. */
    private void awaitCaughtUp() {
        long deadline = System.nanoTime() + settings.catchUpTimeout().toNanos();
        long lastLog = System.nanoTime();
        long target = -1;
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (target < 0) {
                try {
                    RaftClientReply reply = client.async().sendReadOnly(Message.EMPTY)
                            .get(Math.min(FORWARD_TRY_MS, settings.catchUpTimeout().toMillis()), TimeUnit.MILLISECONDS);
                    if (reply.isSuccess()) {
                        target = reply.getMessage().getContent().asReadOnlyByteBuffer().getLong();
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while joining the controller quorum", e);
                }
            }
            if (target >= 0 && division.getInfo().getLastAppliedIndex() >= target) {
                log.info("Controller quorum member {} caught up with the metadata log at index {}", nodeId, target);
                return;
            }
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(5)) {
                log.info("Node {} is waiting for the controller quorum {} ({})", nodeId, voters,
                        target < 0 ? "no leader answered yet" : "applied " + division.getInfo().getLastAppliedIndex()
                                + " of " + target);
                lastLog = System.nanoTime();
            }
            try {
                Thread.sleep(target < 0 ? FORWARD_RETRY_MS : 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while joining the controller quorum", e);
            }
        }
        close();
        throw new IllegalStateException("Node " + nodeId + " could not reach a majority of the controller quorum "
                + voters + " within " + settings.catchUpTimeout().toMillis() + " ms"
                + (last == null ? "" : " (" + last + ")")
                + ": check controller.quorum.voters and that a majority of the voters is running");
    }

    private RaftProperties properties() {
        var properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        RaftServerConfigKeys.setStorageDir(properties, List.of(dir.toFile()));
        long election = settings.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        // The first election need not wait for a leader that cannot exist yet: a single voter elects itself at once.
        long first = voters.size() == 1 ? 5 : Math.min(election, 150);
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties,
                TimeDuration.valueOf(first, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties,
                TimeDuration.valueOf(2 * first, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(
                settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, settings.snapshotEvery());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(properties, SizeInBytes.valueOf("1MB"));
        return properties;
    }

    /**
     * Whether this node is the Raft leader, its leadership is established (its first entry of the term is
     * committed), and it applied everything committed so far: only then is its image the latest. A leader still
     * applying waits for that (briefly, after it took over), except on the thread that applies: what it is applying
     * is the latest it can see.
     */
    @Override
    public boolean isActive() {
        RaftServer.Division current = division;
        if (current == null) {
            return false;
        }
        DivisionInfo info = current.getInfo();
        if (!info.isLeader() || !info.isLeaderReady()) {
            return false;
        }
        if (stateMachine.isApplyThread()) {
            return true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_WAIT_MS);
        while (info.getLastAppliedIndex() < current.getRaftLog().getLastCommittedIndex()) {
            if (System.nanoTime() > deadline || !info.isLeader()) {
                return false;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public int activeControllerId() {
        RaftServer.Division current = division;
        if (current != null) {
            RaftPeerId leader = current.getInfo().getLeaderId();
            if (leader != null) {
                return Integer.parseInt(leader.toString());
            }
        }
        return leaderId;
    }

    @Override
    public void append(List<MetadataRecord> records) {
        ByteBuffer frame = MetadataRecordSerde.frame(records);
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(peerId(nodeId))
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(ByteString.copyFrom(frame)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        RaftClientReply reply;
        try {
            reply = server.submitClientRequestAsync(request)
                    .get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException | ExecutionException e) {
            throw new NotControllerException("Node " + nodeId + " could not commit to the metadata log: " + e);
        } catch (TimeoutException e) {
            throw new NotControllerException("Node " + nodeId + " could not commit to the metadata log within "
                    + settings.requestTimeout().toMillis() + " ms (no quorum?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotControllerException("Interrupted while appending to the metadata log");
        }
        if (!reply.isSuccess()) {
            throw new NotControllerException("Node " + nodeId + " is no longer the active controller: "
                    + reply.getException());
        }
    }

    @Override
    public CompletableFuture<ByteBuffer> forward(ByteBuffer request) {
        if (isActive()) {
            return applier.handleForwarded(request);
        }
        return forwardThrough(client, request);
    }

    @Override
    public QuorumState quorumState() {
        RaftServer.Division current = division;
        if (current == null) {
            return new QuorumState(-1, 0, -1, List.of(), List.of());
        }
        DivisionInfo info = current.getInfo();
        long committed = current.getRaftLog().getLastCommittedIndex();
        long now = System.currentTimeMillis();
        var members = new ArrayList<QuorumState.Replica>();
        for (Voter voter : voters) {
            long end = -1;
            for (CommitInfoProto commit : current.getCommitInfos()) {
                if (commit.getServer().getId().toStringUtf8().equals(String.valueOf(voter.id()))) {
                    end = commit.getCommitIndex();
                }
            }
            if (voter.id() == nodeId) {
                end = current.getRaftLog().getNextIndex();
            }
            // The leader hears from a member that reached the committed index; of the others it knows nothing.
            long seen = end >= committed ? now : -1;
            members.add(new QuorumState.Replica(voter.id(), voter.host(), voter.port(), end, seen, seen));
        }
        return new QuorumState(activeControllerId(), info.getCurrentTerm(), committed, members, List.of());
    }

    @Override
    public void close() {
        try {
            if (client != null) {
                client.close();
            }
        } catch (IOException e) {
            log.warn("Error closing the metadata quorum client: {}", e.toString());
        }
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            log.warn("Error closing controller quorum member {}: {}", nodeId, e.toString());
        }
    }
}
