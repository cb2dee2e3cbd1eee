package io.tributary.broker.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata log of a node that is a broker only ({@code process.roles=broker}): it follows the quorum's committed
 * entries without voting, as Kafka's brokers follow {@code __cluster_metadata}. A thread fetches the entries after
 * the last one applied ({@link MetadataFetch}) from the active controller through a Ratis client, and asks again
 * every {@value #POLL_MS} ms while there is nothing new. It keeps nothing on disk: a start reads the latest snapshot
 * and the entries after it.
 */
public final class ObserverMetadataLog implements MetadataLog {
    private static final Logger log = LoggerFactory.getLogger(ObserverMetadataLog.class);
    /** The pause between two fetches that brought nothing new: the delay with which this node learns a change. */
    static final long POLL_MS = 20;

    private final int nodeId;
    private final List<RaftMetadataLog.Voter> voters;
    private final String name;
    private final RaftMetadataLog.Settings settings;
    private RaftClient client;
    private MetadataLog.Applier applier;
    private Thread follower;
    private volatile boolean closed;
    private volatile long appliedIndex = -1;
    private volatile long committedIndex = -1;
    private volatile int leaderId = -1;

    /** @param name what the quorum's Raft group id is derived from, as the voters were given it */
    public ObserverMetadataLog(int nodeId, List<RaftMetadataLog.Voter> voters, String name,
                               RaftMetadataLog.Settings settings) {
        if (voters.stream().anyMatch(voter -> voter.id() == nodeId)) {
            throw new IllegalArgumentException("Node " + nodeId + " is one of the voters " + voters
                    + ": a voter needs process.roles to include controller");
        }
        this.nodeId = nodeId;
        this.voters = List.copyOf(voters);
        this.name = name;
        this.settings = settings;
    }

    /** Fetches until this node applied what the quorum had committed when it first answered, then follows on. */
    @Override
    public void start(Applier applier) {
        this.applier = applier;
        client = RaftMetadataLog.clientOf(RaftMetadataLog.groupOf(voters, name), settings);
        long deadline = System.nanoTime() + settings.catchUpTimeout().toNanos();
        long lastLog = System.nanoTime();
        long target = -1;
        Exception last = null;
        while (target < 0 || appliedIndex < target) {
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("Node " + nodeId + " could not read the metadata log from the "
                        + "controller quorum " + voters + " within " + settings.catchUpTimeout().toMillis() + " ms"
                        + (last == null ? "" : " (" + last + ")")
                        + ": check controller.quorum.voters and that a majority of the voters is running");
            }
            try {
                MetadataFetch.Answer answer = fetch(RaftMetadataLog.FORWARD_TRY_MS);
                if (target < 0) {
                    target = answer.committedIndex();
                }
            } catch (IOException | ExecutionException | TimeoutException e) {
                last = e;
                pause(POLL_MS);
            }
            if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(5)) {
                log.info("Node {} is waiting for the controller quorum {} ({})", nodeId, voters,
                        target < 0 ? "no leader answered yet" : "applied " + appliedIndex + " of " + target);
                lastLog = System.nanoTime();
            }
        }
        log.info("Node {} follows the metadata log of the controller quorum {} (applied up to index {})", nodeId,
                voters, appliedIndex);
        follower = new Thread(this::follow, "tributary-metadata-follower");
        follower.setDaemon(true);
        follower.start();
    }

    private void follow() {
        while (!closed) {
            try {
                MetadataFetch.Answer answer = fetch(settings.requestTimeout().toMillis());
                if (answer.entries().isEmpty()) {
                    pause(POLL_MS);
                }
            } catch (IOException | ExecutionException | TimeoutException e) {
                if (!closed) {
                    log.debug("Fetching the metadata log failed, asking again: {}", e.toString());
                    pause(POLL_MS);
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    log.error("Applying the metadata log failed; this node stops following it", e);
                }
                return;
            }
        }
    }

    /** One fetch of the committed entries after the last applied one; applies what came. */
    private MetadataFetch.Answer fetch(long timeoutMs) throws IOException, ExecutionException, TimeoutException {
        RaftClientReply reply;
        try {
            reply = client.async().sendReadOnly(Message.valueOf(ByteString.copyFrom(
                    MetadataFetch.request(appliedIndex)))).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while fetching the metadata log", e);
        }
        if (!reply.isSuccess()) {
            throw new IOException("The controller quorum refused the fetch: " + reply.getException());
        }
        leaderId = Integer.parseInt(reply.getServerId().toString());
        MetadataFetch.Answer answer = MetadataFetch.decode(reply.getMessage().getContent().asReadOnlyByteBuffer());
        if (answer.snapshot() != null) {
            applier.replace(answer.snapshot());
            appliedIndex = answer.snapshotIndex();
        }
        for (MetadataFetch.Entry entry : answer.entries()) {
            if (entry.index() <= appliedIndex) {
                continue;
            }
            if (!entry.records().isEmpty()) {
                applier.apply(entry.records());
            }
            appliedIndex = entry.index();
        }
        committedIndex = Math.max(committedIndex, answer.committedIndex());
        return answer;
    }

    private void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isActive() {
        return false;
    }

    @Override
    public int activeControllerId() {
        return leaderId;
    }

    @Override
    public void append(List<MetadataRecord> records) {
        throw new NotControllerException("Node " + nodeId + " is not a controller (process.roles=broker)");
    }

    @Override
    public CompletableFuture<ByteBuffer> forward(ByteBuffer request) {
        return RaftMetadataLog.forwardThrough(client, request);
    }

    /** The quorum as an observer knows it: the leader, the committed index, and itself as an observer. */
    @Override
    public QuorumState quorumState() {
        var members = new ArrayList<QuorumState.Replica>();
        for (RaftMetadataLog.Voter voter : voters) {
            members.add(new QuorumState.Replica(voter.id(), voter.host(), voter.port(), -1, -1, -1));
        }
        var self = new QuorumState.Replica(nodeId, null, -1, appliedIndex + 1, -1, -1);
        return new QuorumState(leaderId, 0, committedIndex, members, List.of(self));
    }

    @Override
    public void close() {
        closed = true;
        Thread thread = follower;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (client != null) {
                client.close();
            }
        } catch (IOException e) {
            log.warn("Error closing the metadata quorum client: {}", e.toString());
        }
    }
}
