package io.tributary.broker.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a broker answers requests carrying a replica id, over the wire from a real broker: ListOffsets reads up to
 * the log end for a replica (a client reads up to its isolation level's bound), OffsetForLeaderEpoch answers a
 * follower as it answers a consumer, and a Fetch from a node that is not a replica of the partition is refused as
 * Kafka refuses it.
 */
class ReplicaRequestsTest {
    private static final String TOPIC = "replica-requests";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    private static final int OTHER_NODE = 5;

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private KafkaProducer<String, String> producer;
    private WireClient wire;

    @BeforeEach
    void start() throws Exception {
        broker = TestBroker.start(dataDir, TestBroker.FAST_TRANSACTIONS);
        Clients.createTopic(broker.bootstrapServers(), TOPIC, 1, Map.of());
        producer = Clients.producer(broker.bootstrapServers(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "replica-requests"));
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, 0, "k", "open-1")).get();
        producer.send(new ProducerRecord<>(TOPIC, 0, "k", "open-2")).get();
        producer.flush();
        wire = WireClient.connect(broker.bootstrapServers());
    }

    @AfterEach
    void stop() {
        if (wire != null) {
            wire.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static List<ListOffsetsTopic> latest() {
        return List.of(new ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(new ListOffsetsPartition()
                .setPartitionIndex(0).setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP).setCurrentLeaderEpoch(-1))));
    }

    private ListOffsetsPartitionResponse listOffsets(ListOffsetsRequest.Builder builder) {
        ListOffsetsResponse response = wire.send(builder.setTargetTimes(latest()), (short) 7);
        return response.data().topics().get(0).partitions().get(0);
    }

    @Test
    void aReplicaListingOffsetsGetsTheLogEndWhereAClientGetsItsIsolationLevelsBound() {
        ListOffsetsPartitionResponse committed = listOffsets(
                ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_COMMITTED));
        // The replica's request says read_committed: Kafka ignores a replica's isolation level.
        ListOffsetsRequest.Builder forReplica = ListOffsetsRequest.Builder.forReplica((short) 7, OTHER_NODE)
                .setTargetTimes(latest());
        ListOffsetsResponse answer = wire.send(new AbstractRequest.Builder<ListOffsetsRequest>(ApiKeys.LIST_OFFSETS) {
            @Override
            public ListOffsetsRequest build(short version) {
                ListOffsetsRequest request = forReplica.build(version);
                request.data().setIsolationLevel(IsolationLevel.READ_COMMITTED.id());
                return request;
            }
        }, (short) 7);
        ListOffsetsPartitionResponse replica = answer.data().topics().get(0).partitions().get(0);

        assertThat(committed.errorCode()).isZero();
        assertThat(committed.offset()).as("the open transaction holds the last stable offset").isZero();
        assertThat(replica.errorCode()).isZero();
        assertThat(replica.offset()).isEqualTo(2);
    }

    @Test
    void aFollowerAskingForAnEpochsEndGetsTheConsumersAnswer() {
        var topics = new OffsetForLeaderTopicCollection();
        topics.add(new OffsetForLeaderTopic().setTopic(TOPIC).setPartitions(List.of(new OffsetForLeaderPartition()
                .setPartition(0).setCurrentLeaderEpoch(0).setLeaderEpoch(0))));
        OffsetsForLeaderEpochResponse fromFollower = wire.send(
                OffsetsForLeaderEpochRequest.Builder.forFollower(topics.duplicate(), OTHER_NODE));
        OffsetsForLeaderEpochResponse fromConsumer = wire.send(
                OffsetsForLeaderEpochRequest.Builder.forConsumer(topics.duplicate()));

        EpochEndOffset follower = fromFollower.data().topics().iterator().next().partitions().get(0);
        assertThat(follower.errorCode()).isZero();
        assertThat(follower.leaderEpoch()).isZero();
        assertThat(follower.endOffset()).isEqualTo(2);
        assertThat(fromConsumer.data().topics().iterator().next().partitions().get(0)).isEqualTo(follower);
    }

    @Test
    void aFetchFromANodeThatIsNoReplicaIsRefused() throws Exception {
        Uuid topicId;
        try (Admin admin = Clients.admin(broker.bootstrapServers())) {
            topicId = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).topicId();
        }
        assertThat(fetchAsReplica(topicId, Optional.of(0))).as("it names the leader epoch")
                .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(fetchAsReplica(topicId, Optional.empty())).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
    }

    /** A follower's fetch (Fetch v16: the replica id in ReplicaState) of the partition from offset 0. */
    private Errors fetchAsReplica(Uuid topicId, Optional<Integer> leaderEpoch) {
        var data = new LinkedHashMap<TopicPartition, FetchRequest.PartitionData>();
        data.put(PARTITION, new FetchRequest.PartitionData(topicId, 0, 0, 1 << 20, leaderEpoch, Optional.empty()));
        FetchResponse response = wire.send(FetchRequest.Builder.forReplica((short) 16, OTHER_NODE, -1, 0, 1, data),
                (short) 16);
        return Errors.forCode(response.data().responses().get(0).partitions().get(0).errorCode());
    }
}
