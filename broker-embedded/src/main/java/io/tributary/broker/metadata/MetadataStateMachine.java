package io.tributary.broker.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata log as a Ratis state machine: each committed Raft entry is one batch of {@link MetadataRecord}s
 * (framed as {@link MetadataRecordSerde#frame} writes them), handed to the node's {@link MetadataLog.Applier} in log
 * order on Ratis' apply thread. A snapshot is the image's records in one frame, in a file of Ratis'
 * {@link SimpleStateMachineStorage}; Ratis takes one every so many entries, purges the log entries it covers, and
 * installs it on a member that fell behind the purged part, which then {@link #reinitialize}s from it.
 *
 * <p>Queries carry requests forwarded to the active controller ({@link MetadataLog#forward}), and the fetches of
 * nodes that follow the log without voting ({@link ObserverMetadataLog}, {@code process.roles=broker}), answered
 * from the Raft log and the latest snapshot ({@link MetadataFetch}).
 */
final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);
    private static final long NO_SNAPSHOT_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final MetadataLog.Applier applier;
    private final IntConsumer leaderChanged;
    /** The thread applying committed entries (Ratis' state machine updater), once it applied one. */
    private volatile Thread applyThread;
    /**
     * Until when (nanoTime) "no snapshot yet" holds without looking: Ratis asks for the latest snapshot on every
     * AppendEntries, heartbeats included, and while there is none {@link SimpleStateMachineStorage} lists its
     * directory each time. Reset when a snapshot is taken or installed; expires so a snapshot that arrived some
     * other way is still found within {@link #NO_SNAPSHOT_RECHECK_NANOS}.
     */
    private volatile long noSnapshotUntilNanos = System.nanoTime();

    MetadataStateMachine(MetadataLog.Applier applier, IntConsumer leaderChanged) {
        this.applier = applier;
        this.leaderChanged = leaderChanged;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatestSnapshot();
    }

    @Override
    public void reinitialize() throws IOException {
        // A snapshot was installed from the leader: it replaces everything applied so far.
        noSnapshotUntilNanos = System.nanoTime();
        loadLatestSnapshot();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        long now = System.nanoTime();
        if (now - noSnapshotUntilNanos < 0) {
            return null;
        }
        SnapshotInfo latest = storage.getLatestSnapshot();
        if (latest == null) {
            noSnapshotUntilNanos = now + NO_SNAPSHOT_RECHECK_NANOS;
        }
        return latest;
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        List<MetadataRecord> records = MetadataRecordSerde.unframe(ByteBuffer.wrap(Files.readAllBytes(file)));
        applier.replace(records);
        setLastAppliedTermIndex(snapshot.getTermIndex());
        log.info("Loaded the metadata snapshot {} ({} records)", file.getFileName(), records.size());
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /** Whether the caller is applying a committed entry now: it must not wait for later entries to be applied. */
    boolean isApplyThread() {
        return Thread.currentThread() == applyThread;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        applyThread = Thread.currentThread();
        LogEntryProto entry = trx.getLogEntry();
        ByteString data = entry.getStateMachineLogEntry().getLogData();
        try {
            applier.apply(MetadataRecordSerde.unframe(data.asReadOnlyByteBuffer()));
        } catch (IOException e) {
            // Raft committed it, so every member holds the same bytes: a frame that does not decode is a bug, and
            // skipping it would let members diverge. Stop applying.
            throw new IllegalStateException("Cannot decode the metadata log entry " + TermIndex.valueOf(entry), e);
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        Path file = storage.getSnapshotFile(last.getTerm(), last.getIndex()).toPath();
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer frame = MetadataRecordSerde.frame(applier.snapshot());
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (frame.hasRemaining()) {
                out.write(frame);
            }
            out.force(true);
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file.toFile());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file, md5), last));
        noSnapshotUntilNanos = System.nanoTime();
        return last.getIndex();
    }

    /**
     * A forwarded request for the active controller, or (an empty message) the question of how far the log is
     * committed, which a starting member asks before it acts on what it has: its own copy may be behind.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        if (MetadataFetch.isRequest(request.getContent())) {
            try {
                RaftLog raftLog = getServer().get().getDivision(getGroupId()).getRaftLog();
                ByteBuffer answer = MetadataFetch.answer(raftLog, storage.getLatestSnapshot(),
                        MetadataFetch.afterIndex(request.getContent()));
                return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer)));
            } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return CompletableFuture.failedFuture(e);
            }
        }
        if (request.getContent().isEmpty()) {
            try {
                long committed = getServer().get().getDivision(getGroupId()).getRaftLog().getLastCommittedIndex();
                return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
                        ByteBuffer.allocate(Long.BYTES).putLong(0, committed))));
            } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return CompletableFuture.failedFuture(e);
            }
        }
        return applier.handleForwarded(request.getContent().asReadOnlyByteBuffer())
                .thenApply(answer -> Message.valueOf(ByteString.copyFrom(answer)));
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        leaderChanged.accept(newLeaderId == null ? -1 : Integer.parseInt(newLeaderId.toString()));
    }
}
