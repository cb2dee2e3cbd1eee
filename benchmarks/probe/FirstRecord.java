import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Tributary benchmark probe: how long until a broker that is being launched serves its first record.
 *
 * <p>The harness starts the probe first; the probe loads the client classes (so their loading is not timed),
 * prints {@code READY}, and then, while the harness launches the broker, works through the milestones below,
 * printing their wall-clock times (epoch milliseconds) on one {@code result} line. The harness subtracts the
 * time it took just before launching the broker process.
 *
 * <ul>
 *   <li>{@code fresh}: port open, topic created (1 partition), one record produced with acks=all, that record
 *       consumed back (assign + seek to beginning: no consumer group involved).</li>
 *   <li>{@code existing}: port open, first record of an existing topic consumed (assign + seek to beginning,
 *       all partitions), then the sum of the partitions' end offsets ({@code records=}: what survived).</li>
 *   <li>{@code cluster}: for a cluster being launched (a bootstrap list, the first one's port is watched): topic
 *       created with replication factor 3 and {@code min.insync.replicas=2} (retried until three brokers are
 *       registered), one record produced with acks=all, that record consumed by a consumer group (subscribe: the
 *       group coordinator, and with it {@code __consumer_offsets}, must be there).</li>
 * </ul>
 *
 * <p>usage: {@code FirstRecord fresh|existing|cluster 127.0.0.1:PORT[,127.0.0.1:PORT...] TOPIC TIMEOUT_SECONDS}
 */
public final class FirstRecord {
    private static long deadline;

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !List.of("fresh", "existing", "cluster").contains(args[0])) {
            System.err.println("usage: FirstRecord fresh|existing|cluster 127.0.0.1:PORT[,...] TOPIC TIMEOUT_SECONDS");
            System.exit(64);
        }
        String mode = args[0];
        String bootstrap = args[1];
        String topic = args[2];
        for (String address : bootstrap.split(",")) {
            String h = address.substring(0, address.lastIndexOf(':'));
            if (!h.equals("127.0.0.1") && !h.equals("localhost")) {
                throw new IllegalArgumentException("loopback addresses only, not " + address);
            }
        }
        String first = bootstrap.split(",")[0];
        String host = first.substring(0, first.lastIndexOf(':'));
        int port = Integer.parseInt(first.substring(first.lastIndexOf(':') + 1));
        long timeoutMs = Long.parseLong(args[3]) * 1000L;

        // Load (and initialise) every client class we use before the broker is launched.
        Admin.create(adminConfig(bootstrap)).close(Duration.ZERO);
        new KafkaProducer<byte[], byte[]>(producerConfig(bootstrap, timeoutMs)).close(Duration.ZERO);
        new KafkaConsumer<byte[], byte[]>(consumerConfig(bootstrap)).close();
        System.out.println("READY");
        System.out.flush();
        deadline = System.currentTimeMillis() + timeoutMs;

        while (true) {
            checkDeadline("the port to open");
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 250);
                if (socket.getLocalPort() != port) {
                    break;
                }
                // a TCP self-connect (source port == the closed port we dial): nobody listens yet
                Thread.sleep(5);
            } catch (IOException notYet) {
                Thread.sleep(5);
            }
        }
        long portOpen = System.currentTimeMillis();

        if (!mode.equals("existing")) {
            boolean cluster = mode.equals("cluster");
            NewTopic newTopic = cluster
                    ? new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2"))
                    : new NewTopic(topic, 1, (short) 1);
            try (Admin admin = Admin.create(adminConfig(bootstrap))) {
                while (true) {
                    checkDeadline("CreateTopics");
                    try {
                        admin.createTopics(List.of(newTopic)).all().get();
                        break;
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof TopicExistsException) {
                            break;
                        }
                        Thread.sleep(10);
                    }
                }
            }
            long created = System.currentTimeMillis();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(bootstrap, remaining()))) {
                producer.send(new ProducerRecord<>(topic, new byte[100])).get();
            }
            long produced = System.currentTimeMillis();
            long consumed;
            Properties consumerConfig = consumerConfig(bootstrap);
            if (cluster) {
                consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "first-record-" + topic);
            }
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
                if (cluster) {
                    consumer.subscribe(List.of(topic));
                } else {
                    List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                }
                pollUntilRecord(consumer);
                consumed = System.currentTimeMillis();
            }
            System.out.printf("result mode=%s port_open_ms=%d topic_created_ms=%d produced_ms=%d consumed_ms=%d%n",
                    mode, portOpen, created, produced, consumed);
        } else {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap))) {
                List<TopicPartition> partitions = new ArrayList<>();
                while (partitions.isEmpty()) {
                    checkDeadline("metadata of topic " + topic);
                    try {
                        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofMillis(500));
                        if (infos != null) {
                            infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                        }
                    } catch (RuntimeException notYet) {
                        Thread.sleep(10);
                    }
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                pollUntilRecord(consumer);
                long consumed = System.currentTimeMillis();
                long records = 0;
                for (Map.Entry<TopicPartition, Long> e : consumer.endOffsets(partitions, Duration.ofSeconds(30)).entrySet()) {
                    records += e.getValue();
                }
                System.out.printf("result mode=existing port_open_ms=%d consumed_ms=%d records=%d%n",
                        portOpen, consumed, records);
            }
        }
        System.out.flush();
    }

    private static void pollUntilRecord(KafkaConsumer<byte[], byte[]> consumer) {
        while (true) {
            checkDeadline("the first record");
            try {
                if (!consumer.poll(Duration.ofMillis(50)).isEmpty()) {
                    return;
                }
            } catch (RuntimeException retriable) {
                // e.g. a leader that is not elected yet: keep polling until the deadline
            }
        }
    }

    private static long remaining() {
        return Math.max(1000, deadline - System.currentTimeMillis());
    }

    private static void checkDeadline(String what) {
        if (System.currentTimeMillis() > deadline) {
            System.out.println("error timeout waiting for " + what);
            System.out.flush();
            System.exit(2);
        }
    }

    private static Properties adminConfig(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 10);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 50);
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        p.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 50);
        return p;
    }

    private static Properties producerConfig(String bootstrap, long timeoutMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(5000, Math.min(Integer.MAX_VALUE, timeoutMs)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.max(5000, timeoutMs));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 10);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 50);
        p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 50);
        return p;
    }

    private static Properties consumerConfig(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, 10);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 50);
        p.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, 10);
        p.put(ConsumerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 50);
        return p;
    }
}
