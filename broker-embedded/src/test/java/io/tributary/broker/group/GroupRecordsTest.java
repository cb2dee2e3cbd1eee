package io.tributary.broker.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.types.SchemaException;
import org.junit.jupiter.api.Test;

/**
 * The offset values of {@code __consumer_offsets} in the layouts Kafka has written (OffsetCommitValue v0-v3, built
 * here byte by byte): each decodes, and what we write reads back, with an expire timestamp only in v1.
 */
class GroupRecordsTest {
    private static final TopicPartition TP = new TopicPartition("t", 2);
    private static final byte[] KEY = GroupRecords.offsetKey("g", TP);

    @Test
    void offsetValuesOfVersions0To3AreRead() {
        assertThat(parse(value(0, 5, null, "m", 1_000, null)))
                .isEqualTo(new CommittedOffset(5, -1, "m", 1_000));
        assertThat(parse(value(1, 5, null, "m", 1_000, 9_000L)))
                .isEqualTo(new CommittedOffset(5, -1, "m", 1_000, 9_000));
        assertThat(parse(value(1, 5, null, "m", 1_000, -1L)))
                .as("-1 is Kafka's \"no expire timestamp\"").isEqualTo(new CommittedOffset(5, -1, "m", 1_000));
        assertThat(parse(value(2, 5, null, "m", 1_000, null)))
                .isEqualTo(new CommittedOffset(5, -1, "m", 1_000));
        assertThat(parse(value(3, 5, 4, "m", 1_000, null)))
                .isEqualTo(new CommittedOffset(5, 4, "m", 1_000));
        assertThatThrownBy(() -> parse(value(7, 5, null, "m", 1_000, null))).isInstanceOf(SchemaException.class);
    }

    @Test
    void writtenOffsetValuesReadBackInVersion3OrWithAnExpiryInVersion1() {
        var plain = new CommittedOffset(5, 4, "m", 1_000);
        var expiring = new CommittedOffset(5, -1, "m", 1_000, 9_000);
        assertThat(ByteBuffer.wrap(GroupRecords.offsetValue(plain)).getShort()).isEqualTo((short) 3);
        assertThat(ByteBuffer.wrap(GroupRecords.offsetValue(expiring)).getShort()).isEqualTo((short) 1);
        assertThat(parse(GroupRecords.offsetValue(plain))).isEqualTo(plain);
        assertThat(parse(GroupRecords.offsetValue(expiring))).isEqualTo(expiring);
    }

    private static CommittedOffset parse(byte[] value) {
        var record = (GroupRecords.OffsetCommit) GroupRecords.parse(ByteBuffer.wrap(KEY), ByteBuffer.wrap(value));
        assertThat(record.groupId()).isEqualTo("g");
        assertThat(record.partition()).isEqualTo(TP);
        return record.offset();
    }

    /** An offset value as Kafka lays it out: version, offset, [leader epoch], metadata, commit time, [expire time]. */
    private static byte[] value(int version, long offset, Integer leaderEpoch, String metadata, long commitMs,
                                Long expireMs) {
        byte[] text = metadata.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(64);
        buffer.putShort((short) version).putLong(offset);
        if (leaderEpoch != null) {
            buffer.putInt(leaderEpoch);
        }
        buffer.putShort((short) text.length).put(text).putLong(commitMs);
        if (expireMs != null) {
            buffer.putLong(expireMs);
        }
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }
}
