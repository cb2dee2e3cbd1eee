package io.tributary.broker.metadata;

import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import io.tributary.broker.metadata.MetadataRecord.BrokerFenceRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigRecord;
import io.tributary.broker.metadata.MetadataRecord.ConfigResourceKind;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.ProducerIdsRecord;
import io.tributary.broker.metadata.MetadataRecord.RegisterBrokerRecord;
import io.tributary.broker.metadata.MetadataRecord.UnregisterBrokerRecord;
import io.tributary.broker.metadata.MetadataRecord.RemoveTopicRecord;
import io.tributary.broker.metadata.MetadataRecord.TopicRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
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
    private static final byte REGISTER_BROKER = 6;
    private static final byte BROKER_FENCE = 7;
    private static final byte UNREGISTER_BROKER = 8;

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

    /**
     * One checked frame of records, as the single node's log and the quorum's snapshots store them:
     * {@code | length int32 | crc32c int32 (of payload) | payload |}.
     */
    static ByteBuffer frame(List<MetadataRecord> records) {
        byte[] payload = serialize(records);
        var checksum = new CRC32C();
        checksum.update(payload);
        ByteBuffer frame = ByteBuffer.allocate(8 + payload.length);
        frame.putInt(payload.length).putInt((int) checksum.getValue()).put(payload).flip();
        return frame;
    }

    /** The records of a whole {@link #frame}; fails when it is torn or its checksum does not match. */
    static List<MetadataRecord> unframe(ByteBuffer frame) throws IOException {
        if (frame.remaining() < 8) {
            throw new IOException("Truncated metadata frame: " + frame.remaining() + " bytes");
        }
        int length = frame.getInt();
        int crc = frame.getInt();
        if (length < 4 || length != frame.remaining()) {
            throw new IOException("Metadata frame of " + length + " bytes holds " + frame.remaining());
        }
        byte[] payload = new byte[length];
        frame.get(payload);
        var checksum = new CRC32C();
        checksum.update(payload);
        if ((int) checksum.getValue() != crc) {
            throw new IOException("Metadata frame checksum mismatch");
        }
        return deserialize(new DataInputStream(new ByteArrayInputStream(payload)));
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
        } else if (record instanceof RegisterBrokerRecord broker) {
            out.writeByte(REGISTER_BROKER);
            out.writeInt(broker.brokerId());
            writeUuid(out, broker.incarnationId());
            out.writeLong(broker.brokerEpoch());
            out.writeInt(broker.endpoints().size());
            for (BrokerEndpoint endpoint : broker.endpoints()) {
                out.writeUTF(endpoint.listener());
                out.writeUTF(endpoint.host());
                out.writeInt(endpoint.port());
            }
            out.writeBoolean(broker.rack() != null);
            if (broker.rack() != null) {
                out.writeUTF(broker.rack());
            }
            out.writeBoolean(broker.fenced());
        } else if (record instanceof BrokerFenceRecord fence) {
            out.writeByte(BROKER_FENCE);
            out.writeInt(fence.brokerId());
            out.writeLong(fence.brokerEpoch());
            out.writeBoolean(fence.fenced());
        } else if (record instanceof UnregisterBrokerRecord unregister) {
            out.writeByte(UNREGISTER_BROKER);
            out.writeInt(unregister.brokerId());
            out.writeLong(unregister.brokerEpoch());
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
            case REGISTER_BROKER -> readRegisterBroker(in);
            case BROKER_FENCE -> new BrokerFenceRecord(in.readInt(), in.readLong(), in.readBoolean());
            case UNREGISTER_BROKER -> new UnregisterBrokerRecord(in.readInt(), in.readLong());
            default -> throw new IOException("Unknown metadata record type " + type);
        };
    }

    private static RegisterBrokerRecord readRegisterBroker(DataInputStream in) throws IOException {
        int brokerId = in.readInt();
        Uuid incarnation = readUuid(in);
        long epoch = in.readLong();
        int count = in.readInt();
        if (count < 0 || count > 1000) {
            throw new IOException("Invalid endpoint count " + count);
        }
        var endpoints = new ArrayList<BrokerEndpoint>(count);
        for (int i = 0; i < count; i++) {
            endpoints.add(new BrokerEndpoint(in.readUTF(), in.readUTF(), in.readInt()));
        }
        String rack = in.readBoolean() ? in.readUTF() : null;
        return new RegisterBrokerRecord(brokerId, incarnation, epoch, endpoints, rack, in.readBoolean());
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
