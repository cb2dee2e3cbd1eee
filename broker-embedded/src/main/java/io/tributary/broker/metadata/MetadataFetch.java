package io.tributary.broker.metadata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * How a node that is not a voter ({@code process.roles=broker}) reads the metadata log from the quorum, as Kafka's
 * brokers fetch {@code __cluster_metadata} from the controllers: it asks for the committed entries after the last
 * index it applied, and gets them from the Raft log, preceded by the latest snapshot when the entries it needs were
 * purged.
 *
 * <pre>
 * request:  | magic int64 | after index int64 |
 * answer:   | committed index int64 | snapshot index int64 (-1: none) | snapshot frame length int32 | frame |
 *           | entry count int32 | per entry: index int64, frame length int32 (0: an entry of Raft's own), frame |
 * </pre>
 *
 * The magic cannot begin a forwarded controller request (its first two bytes would be an unknown API key).
 */
final class MetadataFetch {
    private static final long MAGIC = 0x547269624d657461L; // "TribMeta"
    private static final int REQUEST_BYTES = 2 * Long.BYTES;
    /** An answer holds at least one entry, and no more once it passed this size. */
    private static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;

    record Entry(long index, List<MetadataRecord> records) {
    }

    /** What the quorum answered: its committed index, a snapshot to start from (or null), and entries after it. */
    record Answer(long committedIndex, long snapshotIndex, List<MetadataRecord> snapshot, List<Entry> entries) {
    }

    private MetadataFetch() {
    }

    static ByteBuffer request(long afterIndex) {
        return ByteBuffer.allocate(REQUEST_BYTES).putLong(0, MAGIC).putLong(Long.BYTES, afterIndex);
    }

    static boolean isRequest(ByteString content) {
        return content.size() == REQUEST_BYTES && content.asReadOnlyByteBuffer().getLong(0) == MAGIC;
    }

    static long afterIndex(ByteString content) {
        return content.asReadOnlyByteBuffer().getLong(Long.BYTES);
    }

    /** The answer to a fetch of the entries after {@code afterIndex}, up to the committed index. */
    static ByteBuffer answer(RaftLog raftLog, SingleFileSnapshotInfo snapshot, long afterIndex) throws IOException {
        long committed = raftLog.getLastCommittedIndex();
        long next = afterIndex + 1;
        byte[] snapshotFrame = new byte[0];
        long snapshotIndex = -1;
        if (next < raftLog.getStartIndex() && snapshot != null) {
            snapshotFrame = Files.readAllBytes(snapshot.getFile().getPath());
            snapshotIndex = snapshot.getIndex();
            next = snapshotIndex + 1;
        }
        var indexes = new ArrayList<Long>();
        var frames = new ArrayList<ByteBuffer>();
        int size = 3 * Long.BYTES + 2 * Integer.BYTES + snapshotFrame.length;
        for (long index = next; index <= committed && (frames.isEmpty() || size < MAX_ANSWER_BYTES); index++) {
            LogEntryProto entry = raftLog.get(index);
            if (entry == null) {
                break;
            }
            ByteBuffer frame = entry.hasStateMachineLogEntry()
                    ? entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer() : ByteBuffer.allocate(0);
            indexes.add(index);
            frames.add(frame);
            size += Long.BYTES + Integer.BYTES + frame.remaining();
        }
        ByteBuffer answer = ByteBuffer.allocate(size);
        answer.putLong(committed).putLong(snapshotIndex).putInt(snapshotFrame.length).put(snapshotFrame);
        answer.putInt(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            answer.putLong(indexes.get(i)).putInt(frames.get(i).remaining()).put(frames.get(i));
        }
        return answer.flip();
    }

    static Answer decode(ByteBuffer answer) throws IOException {
        long committed = answer.getLong();
        long snapshotIndex = answer.getLong();
        List<MetadataRecord> snapshot = null;
        int snapshotLength = answer.getInt();
        if (snapshotIndex >= 0) {
            snapshot = MetadataRecordSerde.unframe(slice(answer, snapshotLength));
        } else {
            answer.position(answer.position() + snapshotLength);
        }
        int count = answer.getInt();
        var entries = new ArrayList<Entry>(count);
        for (int i = 0; i < count; i++) {
            long index = answer.getLong();
            int length = answer.getInt();
            entries.add(new Entry(index, length == 0 ? List.of() : MetadataRecordSerde.unframe(slice(answer, length))));
        }
        return new Answer(committed, snapshotIndex, snapshot, entries);
    }

    private static ByteBuffer slice(ByteBuffer buffer, int length) {
        ByteBuffer slice = buffer.slice(buffer.position(), length);
        buffer.position(buffer.position() + length);
        return slice;
    }
}
