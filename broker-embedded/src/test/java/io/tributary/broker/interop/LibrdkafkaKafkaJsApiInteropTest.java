package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The KafkaJS-compatible API of Confluent's JavaScript client (librdkafka 2.15 underneath,
 * {@code interop/confluent-js/scenarios/kafkajs.js}) side by side with Apache Kafka ({@link SideBySide}): send and
 * sendBatch with every codec, keys and headers; run() with eachMessage and eachBatch in a group, committing and
 * resuming, seek, pause and resume; transactions with sendOffsets read under both isolation levels; and its admin.
 */
class LibrdkafkaKafkaJsApiInteropTest {
    @RegisterExtension
    static final SideBySide brokers = new SideBySide();

    @Test
    void sendAndSendBatchWithEveryCodecKeysAndHeaders() throws Exception {
        var expected = new ArrayList<String>();
        for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
            expected.add("sent send-" + codec + " partition 0 error 0 base offset 0");
        }
        expected.addAll(List.of(
                "batch sent send-keyed partition 0 error 0",
                "batch sent send-keyed partition 1 error 0",
                "batch sent send-keyed partition 2 error 0",
                "batch sent send-keyed partition 2 error 0",
                "batch sent send-none partition 0 error 0"));
        // What the consumer read, by topic, partition and offset.
        expected.addAll(sentWith("gzip"));
        // librdkafka's default partitioner for keyed messages is murmur2, as Java's.
        expected.addAll(List.of(
                "send-keyed 0 0 key f value to f headers -",
                "send-keyed 1 0 key a value to a headers -",
                "send-keyed 1 1 key c value to c headers -",
                "send-keyed 2 0 key b value to b headers -",
                "send-keyed 2 1 key d value to d headers -",
                "send-keyed 2 2 key e value to e headers -",
                "send-keyed 2 3 key a value chosen partition headers -"));
        expected.addAll(sentWith("lz4"));
        expected.addAll(sentWith("none"));
        expected.add("send-none 0 3 key batch value second topic headers h=v");
        expected.addAll(sentWith("snappy"));
        expected.addAll(sentWith("zstd"));

        assertThat(brokers.run("kafkajs", "send")).containsExactlyElementsOf(expected);
    }

    /** The three messages send() wrote with one codec, as the consumer reads them. */
    private static List<String> sentWith(String codec) {
        String topic = "send-" + codec;
        return List.of(
                topic + " 0 0 key k1 value first " + codec + " headers trace=t1,multi=a|b",
                topic + " 0 1 key null value 2000 bytes of x headers -",
                topic + " 0 2 key k3 value null headers gone=yes");
    }

    @Test
    void eachMessageCommitsAndANewMemberResumesFromTheCommittedOffsets() throws Exception {
        assertThat(brokers.run("kafkajs", "each-message")).containsExactly(
                "first consumed 0 0 key k0 value m0 headers -",
                "first consumed 0 1 key k1 value m1 headers -",
                "first consumed 0 2 key k2 value m2 headers -",
                "first consumed 1 0 key k3 value m3 headers -",
                "first consumed 1 1 key k4 value m4 headers -",
                "first consumed 1 2 key k5 value m5 headers -",
                "committed consumed 0 offset 2",
                "committed consumed 1 offset 3",
                "resumed consumed 0 2 key k2 value m2 headers -",
                "resumed consumed 0 3 key k6 value m6 headers -",
                "resumed consumed 1 3 key k7 value m7 headers -",
                "fetched consumed 0 offset 4",
                "fetched consumed 1 offset 4");
    }

    @Test
    void eachBatchReadsEveryMessageOnceAndCommitsWhatItResolved() throws Exception {
        assertThat(brokers.run("kafkajs", "each-batch")).containsExactly(
                "read 0:b0 1:b1 2:b2 3:b3 4:b4 5:b5 6:b6 7:b7 8:b8 9:b9",
                "largest batch at most 4 true",
                "high watermarks 10",
                "resumed 10:b10 11:b11",
                "high watermarks 12");
    }

    @Test
    void seekWhileRunningReadsAgainFromTheOffset() throws Exception {
        assertThat(brokers.run("kafkajs", "seek")).containsExactly("offsets 0 1 2 3 4 1 2 3 4");
    }

    @Test
    void pauseHoldsBackOneTopicUntilResume() throws Exception {
        assertThat(brokers.run("kafkajs", "pause-resume")).containsExactly(
                "before pause flowing 0 0 key null value first headers -",
                "before pause paused 0 0 key null value first headers -",
                "paused paused 0",
                "while paused flowing 0 1 key null value free 1 headers -",
                "while paused flowing 0 2 key null value free 2 headers -",
                "paused after resume 0",
                "after resume paused 0 1 key null value held 1 headers -",
                "after resume paused 0 2 key null value held 2 headers -");
    }

    @Test
    void transactionsCommitAbortAndSendOffsets() throws Exception {
        assertThat(brokers.run("kafkajs", "transactions")).containsExactly(
                "active after commit false",
                "input txn-in 0 0 key null value in 0 headers -",
                "input txn-in 0 1 key null value in 1 headers -",
                "input txn-in 0 2 key null value in 2 headers -",
                // Offsets 2, 4 and 6 are the transaction markers.
                "read_committed txn-out 0 0 key c value committed 1 headers -",
                "read_committed txn-out 0 1 key c value committed 2 headers -",
                "read_committed txn-out 0 5 key c value committed 3 headers -",
                "read_uncommitted txn-out 0 0 key c value committed 1 headers -",
                "read_uncommitted txn-out 0 1 key c value committed 2 headers -",
                "read_uncommitted txn-out 0 3 key a value aborted headers -",
                "read_uncommitted txn-out 0 5 key c value committed 3 headers -",
                "group offset txn-in 0 3");
    }

    @Test
    void adminManagesTopicsOffsetsRecordsAndGroups() throws Exception {
        assertThat(brokers.run("kafkajs", "admin")).containsExactly(
                "create ok true",
                "create existing ok false",
                "create invalid errors 17,38,40",
                "metadata js-admin internal false partition 0 leader 1 replicas 1 isr 1 error 0",
                "metadata js-admin internal false partition 1 leader 1 replicas 1 isr 1 error 0",
                "metadata js-admin-other internal false partition 0 leader 1 replicas 1 isr 1 error 0",
                "metadata missing error 3",
                "offsets 0 offset 4 high 4 low 0",
                "offsets 1 offset 1 high 1 low 0",
                "offsets at +1500 0 offset 2",
                "offsets at +1500 1 offset 1",
                // No record at or after the time: KafkaJS answers the latest offset.
                "offsets at +10000 0 offset 4",
                "offsets at +10000 1 offset 1",
                "deleted records js-admin 0 low watermark 2",
                "delete records beyond the end errors 1:1",
                "offsets after delete 0 offset 4 high 4 low 2",
                "offsets after delete 1 offset 1 high 1 low 0",
                "listed js-admin-group protocol type consumer",
                "described js-admin-group protocol roundrobin members 1 assigned js-admin:0,js-admin:1",
                "delete active group errors js-admin-group:68",
                "fetched js-admin 0 offset 3",
                "fetched js-admin 1 offset 1",
                "fetched chosen js-admin 1 offset 1",
                "delete groups errors js-admin-group:0,missing-group:69",
                "delete left group errors js-admin-group:69",
                "delete topics ok",
                "listed topics js-admin",
                "delete missing topic error 3");
    }
}
