package io.tributary.broker.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.CommittedReader;
import io.tributary.broker.testing.StreamsApp;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams joins under {@code exactly_once_v2}: a KStream with a KTable on co-partitioned topics, and a KStream
 * with a GlobalKTable whose topic has a different partition count. Orders are keyed by customer, addresses too.
 */
class StreamJoinsTest {
    private static final Duration OUTPUT_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    static Path brokerDir;

    @TempDir
    Path stateDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(brokerDir, TestBroker.FAST_TRANSACTIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static StreamsApp.Builder app(String applicationId, Path stateDir) {
        return StreamsApp.builder(broker.bootstrapServers(), applicationId, stateDir);
    }

    private static void send(String topic, Integer partition, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        }
    }

    /** The output as "key=value", partition by partition, each in offset order, once {@code expected} arrived. */
    private static List<String> readCommitted(String topic, int expected) {
        List<ConsumerRecord<String, String>> records = CommittedReader.readUntil(broker.bootstrapServers(), topic,
                new StringDeserializer(), read -> read.size() >= expected, OUTPUT_TIMEOUT);
        return records.stream().map(record -> record.key() + "=" + record.value()).toList();
    }

    /** Waits until the application's table store holds exactly {@code expected}: the table is up to date. */
    private static void awaitStore(StreamsApp app, String storeName, Map<String, String> expected) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            ReadOnlyKeyValueStore<String, String> store = app.streams().store(
                    StoreQueryParameters.fromNameAndType(storeName, QueryableStoreTypes.keyValueStore()));
            var contents = new HashMap<String, String>();
            try (var all = store.all()) {
                all.forEachRemaining(entry -> contents.put(entry.key, entry.value));
            }
            return contents.equals(expected);
        });
    }

    @Test
    void streamTableJoinOnCoPartitionedTopicsJoinsEachOrderWithTheCurrentAddress() throws Exception {
        String orders = "table-orders";
        String addresses = "table-addresses";
        String orderJoinStream = "table-order-join";
        Clients.createTopic(broker.bootstrapServers(), orders, 3, Map.of());
        Clients.createTopic(broker.bootstrapServers(), addresses, 3, Map.of());
        Clients.createTopic(broker.bootstrapServers(), orderJoinStream, 3, Map.of());

        var builder = new StreamsBuilder();
        KTable<String, String> addressTable = builder.table(addresses,
                Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("addresses"));
        KStream<String, String> orderStream = builder.stream(orders, Consumed.with(Serdes.String(), Serdes.String()));
        orderStream.join(addressTable, (order, address) -> order + " send to " + address)
                .to(orderJoinStream, Produced.with(Serdes.String(), Serdes.String()));
        Topology topology = builder.build();

        // Keys without a partition: the default partitioner puts a customer's orders and address in the same
        // partition number of the two topics, which is what co-partitioning means.
        send(addresses, null, "alice", "Seoul");
        send(addresses, null, "bob", "Busan");
        send(addresses, null, "bob", "Incheon");
        try (StreamsApp app = app("order-table-join", stateDir).start(topology)) {
            awaitStore(app, "addresses", Map.of("alice", "Seoul", "bob", "Incheon"));
            send(orders, null, "alice", "book");
            send(orders, null, "bob", "laptop");
            send(orders, null, "dave", "phone");
            send(orders, null, "alice", "pen");
            // The address changes only once those orders are joined: a later order meets the new address.
            assertThat(readCommitted(orderJoinStream, 3)).hasSize(3);
            send(addresses, null, "alice", "Jeju");
            awaitStore(app, "addresses", Map.of("alice", "Jeju", "bob", "Incheon"));
            send(orders, null, "alice", "mug");

            List<String> joined = readCommitted(orderJoinStream, 4);

            // An inner join: dave has no address, so his order joins nothing.
            assertThat(joined).containsExactlyInAnyOrder(
                    "alice=book send to Seoul",
                    "bob=laptop send to Incheon",
                    "alice=pen send to Seoul",
                    "alice=mug send to Jeju");
            // Per customer in order: the same key always lands in the same output partition.
            assertThat(joined.stream().filter(line -> line.startsWith("alice=")))
                    .containsExactly("alice=book send to Seoul", "alice=pen send to Seoul", "alice=mug send to Jeju");
        }
    }

    @Test
    void streamGlobalTableJoinNeedsNoCoPartitioning() throws Exception {
        String orders = "global-orders";
        String addresses = "global-addresses";
        String orderJoinStream = "global-order-join";
        Clients.createTopic(broker.bootstrapServers(), orders, 3, Map.of());
        Clients.createTopic(broker.bootstrapServers(), addresses, 2, Map.of());
        Clients.createTopic(broker.bootstrapServers(), orderJoinStream, 3, Map.of());

        var builder = new StreamsBuilder();
        GlobalKTable<String, String> addressGlobalTable = builder.globalTable(addresses,
                Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("global-addresses"));
        KStream<String, String> orderStream = builder.stream(orders, Consumed.with(Serdes.String(), Serdes.String()));
        orderStream.join(addressGlobalTable,
                        (orderKey, orderValue) -> orderKey,
                        (order, address) -> order + " send to " + address)
                .to(orderJoinStream, Produced.with(Serdes.String(), Serdes.String()));
        Topology topology = builder.build();

        // Placed so that no order shares a partition number with its customer's address: a task of the orders
        // topic joins against the whole address topic, which every instance holds in full.
        send(addresses, 0, "alice", "Seoul");
        send(addresses, 1, "bob", "Busan");
        send(addresses, 1, "carol", "Daegu");
        // The global table is loaded to the end of its topic before the application is RUNNING.
        try (StreamsApp app = app("order-global-join", stateDir).start(topology)) {
            send(orders, 2, "alice", "book");
            send(orders, 0, "bob", "laptop");
            send(orders, 2, "carol", "desk");
            send(orders, 1, "dave", "phone");
            send(orders, 1, "alice", "pen");

            assertThat(readCommitted(orderJoinStream, 4)).containsExactlyInAnyOrder(
                    "alice=book send to Seoul",
                    "bob=laptop send to Busan",
                    "carol=desk send to Daegu",
                    "alice=pen send to Seoul");
        }
    }
}
