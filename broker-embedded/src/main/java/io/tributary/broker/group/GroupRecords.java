package io.tributary.broker.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.SchemaException;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;

/**
 * The records of {@code __consumer_offsets}, in Kafka's own layout so Kafka's tools can read our topic and we can
 * read theirs. Every key and value starts with an int16 version:
 *
 * <pre>
 * key v0/v1  group:string topic:string partition:int32                     → OffsetCommitValue v3
 *            offset:int64 leaderEpoch:int32 metadata:string commitTimestamp:int64
 *                                                                          or v1, for a commit with its own
 *            offset:int64 metadata:string commitTimestamp:int64 expireTimestamp:int64     retention (as Kafka)
 * key v2     group:string                                                  → GroupMetadataValue v3
 *            protocolType:string generation:int32 protocol:string? leader:string? currentStateTimestamp:int64
 *            members:[memberId groupInstanceId? clientId clientHost rebalanceTimeout:int32 sessionTimeout:int32
 *                     subscription:bytes assignment:bytes]
 * </pre>
 *
 * A null value is a tombstone: the offset (or the whole group) is gone, and compaction drops the key later.
 * Offset values are read in versions 0 to 3 (v0 and v2: offset, metadata, commitTimestamp).
 */
public final class GroupRecords {
    private static final short OFFSET_KEY_VERSION = 1;
    private static final short GROUP_KEY_VERSION = 2;
    private static final short OFFSET_VALUE_VERSION = 3;
    /** The only offset value version with an expire timestamp: Kafka writes it for a commit with a retention. */
    private static final short OFFSET_VALUE_WITH_EXPIRY_VERSION = 1;
    private static final short GROUP_VALUE_VERSION = 3;

    private static final Schema OFFSET_KEY = new Schema(
            new Field("group", Type.STRING), new Field("topic", Type.STRING), new Field("partition", Type.INT32));
    private static final Schema GROUP_KEY = new Schema(new Field("group", Type.STRING));
    private static final Schema OFFSET_VALUE_V0 = new Schema(
            new Field("offset", Type.INT64), new Field("metadata", Type.STRING),
            new Field("commit_timestamp", Type.INT64));
    private static final Schema OFFSET_VALUE_V1 = new Schema(
            new Field("offset", Type.INT64), new Field("metadata", Type.STRING),
            new Field("commit_timestamp", Type.INT64), new Field("expire_timestamp", Type.INT64));
    private static final Schema OFFSET_VALUE_V3 = new Schema(
            new Field("offset", Type.INT64), new Field("leader_epoch", Type.INT32),
            new Field("metadata", Type.STRING), new Field("commit_timestamp", Type.INT64));
    private static final Schema MEMBER_V3 = new Schema(
            new Field("member_id", Type.STRING), new Field("group_instance_id", Type.NULLABLE_STRING),
            new Field("client_id", Type.STRING), new Field("client_host", Type.STRING),
            new Field("rebalance_timeout", Type.INT32), new Field("session_timeout", Type.INT32),
            new Field("subscription", Type.BYTES), new Field("assignment", Type.BYTES));
    private static final Schema GROUP_VALUE_V3 = new Schema(
            new Field("protocol_type", Type.STRING), new Field("generation", Type.INT32),
            new Field("protocol", Type.NULLABLE_STRING), new Field("leader", Type.NULLABLE_STRING),
            new Field("current_state_timestamp", Type.INT64), new Field("members", new ArrayOf(MEMBER_V3)));

    private GroupRecords() {
    }

    /** One decoded record: a key and, unless it is a tombstone, a value. */
    public sealed interface GroupRecord {
        String groupId();
    }

    /** A committed offset; {@code offset} is null for a tombstone. */
    public record OffsetCommit(String groupId, TopicPartition partition, CommittedOffset offset)
            implements GroupRecord {
    }

    /** A group's membership after a completed rebalance; {@code group} is null for a tombstone. */
    public record GroupMetadata(String groupId, StoredGroup group) implements GroupRecord {
    }

    /** A member as stored in a group metadata record. */
    public record StoredMember(String memberId, String groupInstanceId, String clientId, String clientHost,
                               int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
    }

    /** A group as stored: its generation, protocol, leader and members with their assignments. */
    public record StoredGroup(String protocolType, int generation, String protocol, String leader,
                              long currentStateTimestampMs, List<StoredMember> members) {
    }

    public static byte[] offsetKey(String groupId, TopicPartition partition) {
        Struct key = new Struct(OFFSET_KEY).set("group", groupId).set("topic", partition.topic())
                .set("partition", partition.partition());
        return serialize(OFFSET_KEY_VERSION, key);
    }

    /** An offset value: v3, or v1 when the offset has its own expiry (v1 has no leader epoch field). */
    public static byte[] offsetValue(CommittedOffset offset) {
        if (offset.hasOwnExpiry()) {
            Struct value = new Struct(OFFSET_VALUE_V1).set("offset", offset.offset())
                    .set("metadata", offset.metadata()).set("commit_timestamp", offset.commitTimestampMs())
                    .set("expire_timestamp", offset.expireTimestampMs());
            return serialize(OFFSET_VALUE_WITH_EXPIRY_VERSION, value);
        }
        Struct value = new Struct(OFFSET_VALUE_V3).set("offset", offset.offset())
                .set("leader_epoch", offset.leaderEpoch()).set("metadata", offset.metadata())
                .set("commit_timestamp", offset.commitTimestampMs());
        return serialize(OFFSET_VALUE_VERSION, value);
    }

    public static byte[] groupKey(String groupId) {
        return serialize(GROUP_KEY_VERSION, new Struct(GROUP_KEY).set("group", groupId));
    }

    public static byte[] groupValue(StoredGroup group) {
        var members = new ArrayList<Struct>();
        for (StoredMember member : group.members()) {
            members.add(new Struct(MEMBER_V3).set("member_id", member.memberId())
                    .set("group_instance_id", member.groupInstanceId()).set("client_id", member.clientId())
                    .set("client_host", member.clientHost()).set("rebalance_timeout", member.rebalanceTimeoutMs())
                    .set("session_timeout", member.sessionTimeoutMs())
                    .set("subscription", ByteBuffer.wrap(member.subscription()))
                    .set("assignment", ByteBuffer.wrap(member.assignment())));
        }
        Struct value = new Struct(GROUP_VALUE_V3).set("protocol_type", group.protocolType())
                .set("generation", group.generation()).set("protocol", group.protocol())
                .set("leader", group.leader()).set("current_state_timestamp", group.currentStateTimestampMs())
                .set("members", members.toArray());
        return serialize(GROUP_VALUE_VERSION, value);
    }

    /**
     * Decodes a record of {@code __consumer_offsets}; null for key versions this broker does not read (Kafka's
     * newer group types), which loading skips as Kafka skips unknown record types.
     *
     * @throws SchemaException for a malformed key or value
     */
    public static GroupRecord parse(ByteBuffer key, ByteBuffer value) {
        short keyVersion = key.getShort();
        if (keyVersion == 0 || keyVersion == 1) {
            Struct k = OFFSET_KEY.read(key);
            var partition = new TopicPartition(k.getString("topic"), k.getInt("partition"));
            return new OffsetCommit(k.getString("group"), partition, value == null ? null : parseOffset(value));
        }
        if (keyVersion == 2) {
            String groupId = GROUP_KEY.read(key).getString("group");
            return new GroupMetadata(groupId, value == null ? null : parseGroup(value));
        }
        return null;
    }

    private static CommittedOffset parseOffset(ByteBuffer value) {
        short version = value.getShort();
        return switch (version) {
            case 0, 2 -> {
                Struct v = OFFSET_VALUE_V0.read(value);
                yield new CommittedOffset(v.getLong("offset"), -1, v.getString("metadata"),
                        v.getLong("commit_timestamp"));
            }
            case 1 -> {
                Struct v = OFFSET_VALUE_V1.read(value);
                yield new CommittedOffset(v.getLong("offset"), -1, v.getString("metadata"),
                        v.getLong("commit_timestamp"), v.getLong("expire_timestamp"));
            }
            case 3 -> {
                Struct v = OFFSET_VALUE_V3.read(value);
                yield new CommittedOffset(v.getLong("offset"), v.getInt("leader_epoch"), v.getString("metadata"),
                        v.getLong("commit_timestamp"));
            }
            default -> throw new SchemaException("Unsupported offset commit value version " + version);
        };
    }

    private static StoredGroup parseGroup(ByteBuffer value) {
        Struct v = read(value, GROUP_VALUE_VERSION, GROUP_VALUE_V3, "group metadata");
        var members = new ArrayList<StoredMember>();
        for (Object element : v.getArray("members")) {
            Struct m = (Struct) element;
            members.add(new StoredMember(m.getString("member_id"), m.getString("group_instance_id"),
                    m.getString("client_id"), m.getString("client_host"), m.getInt("rebalance_timeout"),
                    m.getInt("session_timeout"), bytes(m.getBytes("subscription")),
                    bytes(m.getBytes("assignment"))));
        }
        return new StoredGroup(v.getString("protocol_type"), v.getInt("generation"), v.getString("protocol"),
                v.getString("leader"), v.getLong("current_state_timestamp"), members);
    }

    /** Reads a value written at {@code version}, the only version of its kind this broker writes and reads. */
    private static Struct read(ByteBuffer value, short version, Schema schema, String what) {
        short found = value.getShort();
        if (found != version) {
            throw new SchemaException("Unsupported " + what + " value version " + found);
        }
        return schema.read(value);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static byte[] serialize(short version, Struct struct) {
        ByteBuffer buffer = ByteBuffer.allocate(2 + struct.sizeOf());
        buffer.putShort(version);
        struct.writeTo(buffer);
        return buffer.array();
    }
}
