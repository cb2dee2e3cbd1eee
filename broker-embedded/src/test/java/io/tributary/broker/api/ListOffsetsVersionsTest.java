package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListOffsets at every served version, as older clients send it (librdkafka asks at v2, kafkajs at v3). The
 * response's LeaderEpoch exists from v4 only and is not ignorable, so below v4 it must stay at its default or the
 * answer cannot be written at all and the connection closes.
 */
class ListOffsetsVersionsTest {
    @TempDir
    Path dataDir;

    @Test
    void everyServedVersionAnswersEarliestLatestAndByTimestamp() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "versions", 1, Map.of());
            long base = System.currentTimeMillis() - 60_000;
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 4; i++) {
                    producer.send(new ProducerRecord<>("versions", 0, base + 1000L * i, "k", "v")).get();
                }
            }

            for (short version = ApiKeys.LIST_OFFSETS.oldestVersion(); version <= ApiKeys.LIST_OFFSETS.latestVersion();
                 version++) {
                try (WireClient client = WireClient.connect(bootstrap)) {
                    assertAnswer(client, version, ListOffsetsRequest.EARLIEST_TIMESTAMP, 0);
                    assertAnswer(client, version, ListOffsetsRequest.LATEST_TIMESTAMP, 4);
                    assertAnswer(client, version, base + 1500, 2);
                }
            }
        }
    }

    @Test
    void specialTimestampsAreUnsupportedBelowTheVersionThatIntroducedThem() throws Exception {
        // Kafka's ReplicaManager: MAX_TIMESTAMP from v7, EARLIEST_LOCAL from v8, LATEST_TIERED from v9,
        // EARLIEST_PENDING_UPLOAD from v11; a negative timestamp Kafka does not know is unsupported at any version.
        Map<Long, Integer> firstVersions = Map.of(ListOffsetsRequest.EARLIEST_TIMESTAMP, 1,
                ListOffsetsRequest.LATEST_TIMESTAMP, 1, ListOffsetsRequest.MAX_TIMESTAMP, 7,
                ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP, 8, ListOffsetsRequest.LATEST_TIERED_TIMESTAMP, 9,
                ListOffsetsRequest.EARLIEST_PENDING_UPLOAD_TIMESTAMP, 11, -7L, Integer.MAX_VALUE,
                -100L, Integer.MAX_VALUE);
        try (TestBroker broker = TestBroker.start(dataDir)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "versions", 1, Map.of());
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                producer.send(new ProducerRecord<>("versions", 0, "k", "v")).get();
            }

            try (WireClient client = WireClient.connect(bootstrap)) {
                for (short version = ApiKeys.LIST_OFFSETS.oldestVersion();
                     version <= ApiKeys.LIST_OFFSETS.latestVersion(); version++) {
                    for (var special : firstVersions.entrySet()) {
                        Errors expected = version < special.getValue() ? Errors.UNSUPPORTED_VERSION : Errors.NONE;
                        assertThat(Errors.forCode(answer(client, version, special.getKey()).errorCode()))
                                .as("v%d timestamp %d", version, special.getKey()).isEqualTo(expected);
                    }
                }
            }
        }
    }

    private static ListOffsetsPartitionResponse answer(WireClient client, short version, long timestamp) {
        var request = ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                .setTargetTimes(List.of(new ListOffsetsTopic().setName("versions").setPartitions(List.of(
                        new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(timestamp)))));
        ListOffsetsResponse response = client.send(request, version);
        return response.data().topics().get(0).partitions().get(0);
    }

    private static void assertAnswer(WireClient client, short version, long timestamp, long expectedOffset) {
        var request = ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                .setTargetTimes(List.of(new ListOffsetsTopic().setName("versions").setPartitions(List.of(
                        new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(timestamp)))));
        ListOffsetsResponse response = client.send(request, version);
        ListOffsetsPartitionResponse partition = response.data().topics().get(0).partitions().get(0);
        assertThat(partition.errorCode()).as("v%d error", version).isEqualTo(Errors.NONE.code());
        assertThat(partition.offset()).as("v%d offset for %d", version, timestamp).isEqualTo(expectedOffset);
        if (version < 4) {
            assertThat(partition.leaderEpoch()).as("v%d leader epoch", version).isEqualTo(-1);
        } else {
            assertThat(partition.leaderEpoch()).as("v%d leader epoch", version).isGreaterThanOrEqualTo(0);
        }
    }
}
