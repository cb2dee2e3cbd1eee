package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * librdkafka 2.15's producer ({@code Kafka.Producer} of Confluent's JavaScript client), side by side with Apache
 * Kafka 4.3.1 ({@link SideBySide}): what the delivery reports say (partition, offset, timestamp, error code) and what
 * a librdkafka consumer reads back, for keys, headers and timestamps, every compression codec, every acks level, the
 * idempotent producer, LogAppendTime topics, auto-created topics and the batches a broker refuses. The scenarios are
 * {@code interop/confluent-js/scenarios/producer.js}.
 *
 * <p>Timestamps print relative to the one sent ({@code timestamp 0}) or by origin ({@code sent},
 * {@code broker-clock}), never as clock values.
 */
class LibrdkafkaProducerInteropTest {
    @RegisterExtension
    static final SideBySide brokers = new SideBySide();

    @Test
    void keysValuesHeadersAndCreateTimesReadBackAsSent() throws Exception {
        // librdkafka sends an empty value as no value: both brokers give it back as null.
        assertThat(brokers.run("producer", "record-contents")).containsExactly(
                "delivered text-key partition 0 offset 0 timestamp 0",
                "delivered no-key partition 0 offset 1 timestamp 1",
                "delivered binary partition 0 offset 2 timestamp 2",
                "delivered tombstone partition 0 offset 3 timestamp 3",
                "delivered empty partition 0 offset 4 timestamp 4",
                "record partition 0 offset 0 key 'k1' value 'v1' headers - timestamp 0",
                "record partition 0 offset 1 key null value 'v2' headers a='1',b='2',a='3' timestamp 1",
                "record partition 0 offset 2 key hex:0001ff value hex:dead00beef headers bin=hex:00ff80,text='x',bin=''"
                        + " timestamp 2",
                "record partition 0 offset 3 key 'k4' value null headers deleted='yes' timestamp 3",
                "record partition 0 offset 4 key '' value null headers - timestamp 4");
    }

    @Test
    void logAppendTimeTopicReplacesTheSentTimestampOncePerBatch() throws Exception {
        assertThat(brokers.run("producer", "log-append-time")).containsExactly(
                "delivered append-time t1 partition 0 offset 0 timestamp broker-clock",
                "delivered append-time t2 partition 0 offset 1 timestamp broker-clock",
                "delivered create-time t1 partition 0 offset 0 timestamp sent",
                "delivered create-time t2 partition 0 offset 1 timestamp sent",
                "delivered append-time b1 partition 0 offset 2 timestamp broker-clock as b1",
                "delivered append-time b2 partition 0 offset 3 timestamp broker-clock as b1",
                "delivered append-time b3 partition 0 offset 4 timestamp broker-clock as b1",
                "append-time record partition 0 offset 0 key null value 't1' headers - timestamp broker-clock",
                "append-time record partition 0 offset 1 key null value 't2' headers - timestamp broker-clock",
                "append-time record partition 0 offset 2 key null value 'b1' headers - timestamp broker-clock as b1",
                "append-time record partition 0 offset 3 key null value 'b2' headers - timestamp broker-clock as b1",
                "append-time record partition 0 offset 4 key null value 'b3' headers - timestamp broker-clock as b1",
                "create-time record partition 0 offset 0 key null value 't1' headers - timestamp sent",
                "create-time record partition 0 offset 1 key null value 't2' headers - timestamp sent");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void batchInEachCodecReadsBackUnchanged(String codec) throws Exception {
        var expected = new ArrayList<String>();
        for (int i = 0; i < 5; i++) {
            expected.add("delivered " + codec + "-" + i + " partition 0 offset " + i);
        }
        int valueBytes = codec.length() + "-0-".length() + 320;
        for (int i = 0; i < 5; i++) {
            expected.add("record partition 0 offset " + i + " key 'key-" + i + "' value " + codec + "-" + i + "-..."
                    + valueBytes + " headers codec='" + codec + "',index='" + i + "' timestamp " + i);
        }

        assertThat(brokers.run("producer", "compression", codec)).containsExactlyElementsOf(expected);
    }

    @Test
    void topicCompressionTypeRecompressesWithoutChangingTheRecords() throws Exception {
        var expected = new ArrayList<String>();
        for (String[] pair : new String[][] {{"gzip", "zstd"}, {"lz4", "uncompressed"}, {"none", "snappy"}}) {
            String topic = "stored-" + pair[1] + "-from-" + pair[0];
            for (int i = 0; i < 3; i++) {
                expected.add("delivered " + topic + " " + i + " partition 0 offset " + i);
            }
            for (int i = 0; i < 3; i++) {
                expected.add(topic + " record partition 0 offset " + i + " key 'key-" + i + "' value " + pair[0] + "-"
                        + i + "-..." + (pair[0].length() + 3 + 320) + " headers i='" + i + "' timestamp " + i);
            }
        }

        assertThat(brokers.run("producer", "topic-compression")).containsExactlyElementsOf(expected);
    }

    @Test
    void idempotentProducerWritesEveryRecordOnceInOrder() throws Exception {
        var expected = new ArrayList<String>();
        int[] next = {0, 0};
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 4; i++) {
                expected.add("delivered r" + round + "-" + i + " partition " + i % 2 + " offset " + next[i % 2]++);
            }
        }
        for (int partition = 0; partition < 2; partition++) {
            for (int offset = 0; offset < 6; offset++) {
                int i = partition + 2 * (offset % 2);
                expected.add("record partition " + partition + " offset " + offset + " key 'k" + i + "' value 'r"
                        + offset / 2 + "-" + i + "' headers -");
            }
        }

        assertThat(brokers.run("producer", "idempotent")).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "all"})
    void everyAcksLevelWritesEveryRecord(String acks) throws Exception {
        var expected = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            // With acks=0 the broker never answers, so librdkafka reports no offset (RD_KAFKA_OFFSET_INVALID).
            expected.add("delivered a" + (i + 1) + " partition 0 offset " + (acks.equals("0") ? -1001 : i));
        }
        for (int i = 0; i < 3; i++) {
            expected.add("record partition 0 offset " + i + " key null value 'a" + (i + 1) + "' headers -");
        }

        assertThat(brokers.run("producer", "acks", acks)).containsExactlyElementsOf(expected);
    }

    /**
     * A 1000-byte batch fits max.message.bytes=1000, a 1001-byte one is MESSAGE_TOO_LARGE and takes no offset. The
     * idempotent producer closes the gap in its sequence numbers by bumping its epoch, which the broker accepts.
     */
    @ParameterizedTest
    @ValueSource(strings = {"false", "true"})
    void batchOverMaxMessageBytesIsMessageTooLarge(String idempotence) throws Exception {
        assertThat(brokers.run("producer", "too-large", idempotence)).containsExactly(
                "delivered 930-bytes partition 0 offset 0",
                "failed 931-bytes error 10",
                "delivered 10-bytes partition 0 offset 1",
                "failed 931-bytes error 10",
                "delivered 20-bytes partition 0 offset 2",
                "record partition 0 offset 0 value-bytes 930",
                "record partition 0 offset 1 value-bytes 10",
                "record partition 0 offset 2 value-bytes 20");
    }

    /** INVALID_RECORD (87) for a keyless record on a compacted topic, INVALID_TIMESTAMP (32) out of range. */
    @Test
    void batchWithOneInvalidRecordFailsAsAWhole() throws Exception {
        assertThat(brokers.run("producer", "invalid-records")).containsExactly(
                "no-key-in-middle: error 87, error 87, error 87",
                "keyed: offset 0, offset 1",
                "too-old-in-middle: error 32, error 32, error 32",
                "too-new: error 32, error 32",
                "in-range: offset 0, offset 1");
    }

    /** Kafka ranges a negative CreateTime like any other; Tributary once refused every negative one. */
    @Test
    void negativeCreateTimeIsKeptUnlessOutsideTheTopicsRange() throws Exception {
        assertThat(brokers.run("producer", "negative-timestamp")).containsExactly(
                "unbounded-time -5: offset 0",
                "unbounded-time -86400000: offset 1",
                "last-hour -5: error 32",
                "last-hour -86400000: error 32",
                "record partition 0 offset 0 key 'k' value 'unbounded-time -5-0' headers - timestamp -5",
                "record partition 0 offset 1 key 'k' value 'unbounded-time -86400000-0' headers - timestamp -86400000");
    }

    /** librdkafka: INVALID_RECORD (87) for each record the response names, _INVALID_DIFFERENT_RECORD (-138) else. */
    @Test
    void everyRefusedRecordOfABatchIsNamedInTheResponse() throws Exception {
        assertThat(brokers.run("producer", "record-errors")).containsExactly(
                "two-without-key: error 87, error -138, error 87",
                "two-too-old: error 87, error -138, error 87",
                "no-key-and-too-old: error -138, error 87, error 87",
                "no-key-and-too-old-in-one: error 87, error 87",
                "keyed: offset 0, offset 1");
    }

    @Test
    void batchOverMaxMessageBytesOnceRecompressedIsMessageTooLarge() throws Exception {
        assertThat(brokers.run("producer", "too-large-after-recompression")).containsExactly(
                "failed 3000-bytes error 10",
                "delivered 500-bytes partition 0 offset 0");
    }

    @Test
    void minInsyncReplicasAboveTheReplicationFactorCountsAsTheReplicationFactor() throws Exception {
        assertThat(brokers.run("producer", "not-enough-replicas")).containsExactly(
                "delivered acks=1 partition 0 offset 0",
                "delivered acks=all partition 0 offset 1");
    }

    @Test
    void producingToAnUnknownTopicCreatesIt() throws Exception {
        assertThat(brokers.run("producer", "auto-create")).containsExactly(
                "delivered first partition 0 offset 0",
                "delivered second partition 0 offset 1",
                "topic auto-created partitions 1",
                "record partition 0 offset 0 key 'k' value 'first' headers -",
                "record partition 0 offset 1 key 'k' value 'second' headers -");
    }
}
