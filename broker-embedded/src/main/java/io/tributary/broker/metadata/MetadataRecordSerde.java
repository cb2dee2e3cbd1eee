package io.tributary.broker.metadata;

import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.ProducerIdsRecord;
import io.tributary.broker.metadata.MetadataRecord.RemoveTopicRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * Binary form of {@link MetadataRecord}s: a type byte followed by the fields in declaration order (strings as
 * modified UTF-8 with a presence flag where nullable, lists as a count and elements).
 */
final class MetadataRecordSerde {
    private static final byte TOPIC = 1;
    private static final byte PARTITION = 2;
    private static final byte REMOVE_TOPIC = 3;
    private static final byte CONFIG = 4;
    private static final byte PRODUCER_IDS = 5;

    private MetadataRecordSerde() {
    }

    static byte[] serialize(List<MetadataRecord> records) {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(records.size());
            for (MetadataRecord record : records) {
                write(out, record);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<MetadataRecord> deserialize(DataInputStream in) throws IOException {
        int count = in.readInt();
        var records = new ArrayList<MetadataRecord>(Math.min(count, 1024));
        for (int i = 0; i < count; i++) {
            records.add(read(in));
        }
        return records;
    }

    private static void write(DataOutputStream out, MetadataRecord record) throws IOException {
        if (record instanceof TopicRecord topic) {
            out.writeByte(TOPIC);
            out.writeUTF(topic.name());
            writeUuid(out, topic.topicId());
        } else if (record instanceof PartitionRecord partition) {
            out.writeByte(PARTITION);
            writeUuid(out, partition.topicId());
            out.writeInt(partition.partition());
            writeInts(out, partition.replicas());
            writeInts(out, partition.isr());
            out.writeInt(partition.leader());
            out.writeInt(partition.leaderEpoch());
            out.writeInt(partition.partitionEpoch());
        } else if (record instanceof RemoveTopicRecord remove) {
            out.writeByte(REMOVE_TOPIC);
            writeUuid(out, remove.topicId());
        } else if (record instanceof ConfigRecord config) {
            out.writeByte(CONFIG);
            out.writeByte(config.resourceType().ordinal());
            out.writeUTF(config.resourceName());
            out.writeUTF(config.name());
            out.writeBoolean(config.value() != null);
            if (config.value() != null) {
                out.writeUTF(config.value());
            }
        } else if (record instanceof ProducerIdsRecord ids) {
            out.writeByte(PRODUCER_IDS);
            out.writeInt(ids.brokerId());
            out.writeLong(ids.nextProducerId());
        } else {
            throw new IllegalArgumentException("Unknown metadata record " + record);
        }
    }

    private static MetadataRecord read(DataInputStream in) throws IOException {
        byte type = in.readByte();
        return switch (type) {
            case TOPIC -> new TopicRecord(in.readUTF(), readUuid(in));
            case PARTITION -> new PartitionRecord(readUuid(in), in.readInt(), readInts(in), readInts(in), in.readInt(),
                    in.readInt(), in.readInt());
            case REMOVE_TOPIC -> new RemoveTopicRecord(readUuid(in));
            case CONFIG -> {
                ConfigResourceKind kind = ConfigResourceKind.values()[in.readByte()];
                String resource = in.readUTF();
                String name = in.readUTF();
                String value = in.readBoolean() ? in.readUTF() : null;
                yield new ConfigRecord(kind, resource, name, value);
            }
            case PRODUCER_IDS -> new ProducerIdsRecord(in.readInt(), in.readLong());
            default -> throw new IOException("Unknown metadata record type " + type);
        };
    }

    private static void writeUuid(DataOutputStream out, Uuid id) throws IOException {
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    private static Uuid readUuid(DataInputStream in) throws IOException {
        return new Uuid(in.readLong(), in.readLong());
    }

    private static void writeInts(DataOutputStream out, List<Integer> values) throws IOException {
        out.writeInt(values.size());
        for (int value : values) {
            out.writeInt(value);
        }
    }

    private static List<Integer> readInts(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 100_000) {
            throw new IOException("Invalid list length " + count);
        }
        var values = new ArrayList<Integer>(count);
        for (int i = 0; i < count; i++) {
            values.add(in.readInt());
        }
        return values;
    }
}
