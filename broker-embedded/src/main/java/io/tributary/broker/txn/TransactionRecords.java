package io.tributary.broker.txn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.SchemaException;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;

/**
 * The records of {@code __transaction_state}, in Kafka's layout (TransactionLogKey v0, TransactionLogValue v0) so
 * Kafka's tools decode our topic. Every key and value starts with an int16 version:
 *
 * <pre>
 * key v0     transactional_id:string
 * value v0   producer_id:int64 producer_epoch:int16 transaction_timeout_ms:int32 transaction_status:int8
 *            transaction_partitions:[topic:string partition_ids:[int32]]? last_update_ms:int64 start_ms:int64
 * </pre>
 *
 * A null value is a tombstone: the transactional id expired ({@code transactional.id.expiration.ms}).
 */
public final class TransactionRecords {
    private static final short KEY_VERSION = 0;
    private static final short VALUE_VERSION = 0;
    /** Kafka's v1 value is the same fields in the flexible encoding; we read v0 only and say so. */
    private static final Schema KEY = new Schema(new Field("transactional_id", Type.STRING));
    private static final Schema PARTITIONS = new Schema(new Field("topic", Type.STRING),
            new Field("partition_ids", new ArrayOf(Type.INT32)));
    private static final Schema VALUE = new Schema(
            new Field("producer_id", Type.INT64), new Field("producer_epoch", Type.INT16),
            new Field("transaction_timeout_ms", Type.INT32), new Field("transaction_status", Type.INT8),
            new Field("transaction_partitions", ArrayOf.nullable(PARTITIONS)),
            new Field("transaction_last_update_timestamp_ms", Type.INT64),
            new Field("transaction_start_timestamp_ms", Type.INT64));

    private TransactionRecords() {
    }

    public static byte[] key(String transactionalId) {
        return serialize(KEY_VERSION, new Struct(KEY).set("transactional_id", transactionalId));
    }

    public static byte[] value(StoredTransaction txn) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : txn.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        var partitions = new ArrayList<Struct>();
        byTopic.forEach((topic, ids) -> partitions.add(new Struct(PARTITIONS).set("topic", topic)
                .set("partition_ids", ids.stream().sorted().toArray())));
        // Kafka stores a null partition list for Empty and the Complete states.
        boolean hasPartitions = !txn.state().isIdle();
        Struct value = new Struct(VALUE).set("producer_id", txn.producerId())
                .set("producer_epoch", txn.producerEpoch()).set("transaction_timeout_ms", txn.timeoutMs())
                .set("transaction_status", txn.state().id())
                .set("transaction_partitions", hasPartitions ? partitions.toArray() : null)
                .set("transaction_last_update_timestamp_ms", txn.lastUpdateMs())
                .set("transaction_start_timestamp_ms", txn.startMs());
        return serialize(VALUE_VERSION, value);
    }

    /** The transactional id of a key. @throws SchemaException for a malformed key or an unknown version */
    public static String parseKey(ByteBuffer key) {
        short version = key.getShort();
        if (version != KEY_VERSION) {
            throw new SchemaException("Unsupported transaction log key version " + version);
        }
        return KEY.read(key).getString("transactional_id");
    }

    /** The state in a value. @throws SchemaException for a malformed value or an unknown version */
    public static StoredTransaction parseValue(ByteBuffer value) {
        short version = value.getShort();
        if (version != VALUE_VERSION) {
            throw new SchemaException("Unsupported transaction log value version " + version);
        }
        Struct v = VALUE.read(value);
        var partitions = new HashSet<TopicPartition>();
        Object[] topics = v.getArray("transaction_partitions");
        if (topics != null) {
            for (Object element : topics) {
                Struct topic = (Struct) element;
                for (Object id : topic.getArray("partition_ids")) {
                    partitions.add(new TopicPartition(topic.getString("topic"), (Integer) id));
                }
            }
        }
        TransactionState state;
        try {
            state = TransactionState.fromId((Byte) v.get("transaction_status"));
        } catch (IllegalArgumentException e) {
            throw new SchemaException(e.getMessage());
        }
        return new StoredTransaction(v.getLong("producer_id"), v.getShort("producer_epoch"),
                v.getInt("transaction_timeout_ms"), state, partitions,
                v.getLong("transaction_last_update_timestamp_ms"), v.getLong("transaction_start_timestamp_ms"));
    }

    private static byte[] serialize(short version, Struct struct) {
        ByteBuffer buffer = ByteBuffer.allocate(2 + struct.sizeOf());
        buffer.putShort(version);
        struct.writeTo(buffer);
        return buffer.array();
    }
}
