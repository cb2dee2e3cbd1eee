package io.tributary.broker.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Real kafka-clients pointed at a test broker, with short timeouts so failures surface fast. */
public final class Clients {
    private Clients() {
    }

    public static KafkaProducer<String, String> producer(String bootstrap, Map<String, Object> overrides) {
        var props = new HashMap<String, Object>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        props.putAll(overrides);
        return new KafkaProducer<>(props);
    }

    public static KafkaProducer<String, String> producer(String bootstrap) {
        return producer(bootstrap, Map.of());
    }

    public static KafkaConsumer<String, String> consumer(String bootstrap, Map<String, Object> overrides) {
        var props = new HashMap<String, Object>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        props.putAll(overrides);
        return new KafkaConsumer<>(props);
    }

    public static KafkaConsumer<String, String> consumer(String bootstrap) {
        return consumer(bootstrap, Map.of());
    }

    /**
     * A consumer of group {@code groupId} (classic protocol) that notices rebalances fast: heartbeats every
     * 300 ms, so a member learns of a rebalance within about that; the session timeout stays at the broker's
     * default minimum (6 s) unless overridden; a member that stops polling holds a rebalance up for at most
     * 15 s ({@code max.poll.interval.ms} is also the rebalance timeout) instead of 5 minutes.
     */
    public static KafkaConsumer<String, String> groupConsumer(String bootstrap, String groupId,
                                                              Map<String, Object> overrides) {
        var props = new HashMap<String, Object>();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 300);
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 15_000);
        props.putAll(overrides);
        return consumer(bootstrap, props);
    }

    public static Admin admin(String bootstrap) {
        var props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return Admin.create(props);
    }

    public static void createTopic(String bootstrap, String topic, int partitions, Map<String, String> configs)
            throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        }
    }

    /**
     * Every record of {@code partition}, from its log start up to the end offset a consumer at {@code isolation}
     * sees when it starts (the last stable offset under read_committed), in offset order. Exact: reading stops at
     * that end offset, however many records (none, all aborted) lie before it.
     */
    public static List<ConsumerRecord<String, String>> readToEnd(String bootstrap, TopicPartition partition,
                                                                 IsolationLevel isolation) {
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT)))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return consumer.position(partition) >= end;
            });
        }
        return records;
    }

    /**
     * Reads {@code partition} from {@code offset} with assign/seek until {@code expected} records arrived or the
     * bounded number of polls ran out.
     */
    public static List<ConsumerRecord<String, String>> readExactly(String bootstrap, TopicPartition partition,
                                                                   long offset, int expected) {
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (KafkaConsumer<String, String> consumer = consumer(bootstrap)) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, offset);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
