import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Tributary benchmark probe: leader failover time of a 3-node cluster, as an application sees it.
 *
 * <p>One idempotent producer with acks=all and otherwise the client's defaults writes numbered 100 B records to a
 * one-partition topic (replication factor 3, {@code min.insync.replicas=2}), one at a time, each waiting for its
 * acknowledgement. {@code KILLS} times, once the partition's ISR is whole again, the probe prints
 * {@code LEADER <cycle> <node id>}; the harness kills that node with SIGKILL and appends
 * {@code killed <cycle> <epoch ms taken just before the kill>} to the control file, then restarts the node. The cycle's
 * failover time is from the kill to the acknowledgement that ends the longest pause of acknowledgements around it (the
 * record whose write the kill interrupted, once a new leader took it). At the end every acknowledged record is read
 * back: none may be missing or there twice, and all must be in order.
 *
 * <p>Prints {@code failover <cycle> <ms>} per cycle and one line
 * {@code result failover_ms=<median> failover_max_ms=<max> failover_all=<a,b,...> acked=<n> lost=<n> duplicates=<n>
 * out_of_order=<n>}.
 *
 * <p>usage: {@code Failover 127.0.0.1:PORT,... TOPIC KILLS CONTROL_FILE TIMEOUT_SECONDS}
 */
public final class Failover {
    private static final int MIN_ACKS_BETWEEN_KILLS = 200;
    private static long deadline;

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: Failover 127.0.0.1:PORT,... TOPIC KILLS CONTROL_FILE TIMEOUT_SECONDS");
            System.exit(64);
        }
        String bootstrap = args[0];
        for (String address : bootstrap.split(",")) {
            String host = address.substring(0, address.lastIndexOf(':'));
            if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
                throw new IllegalArgumentException("loopback addresses only, not " + address);
            }
        }
        String topic = args[1];
        int kills = Integer.parseInt(args[2]);
        Path control = Path.of(args[3]);
        deadline = System.currentTimeMillis() + Long.parseLong(args[4]) * 1000L;

        try (Admin admin = Admin.create(adminConfig(bootstrap))) {
            createTopic(admin, topic);
            List<Long> acks = Collections.synchronizedList(new ArrayList<>());
            var stop = new AtomicBoolean();
            var failure = new Throwable[1];
            Thread sender = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(bootstrap))) {
                    for (long seq = 0; !stop.get(); seq++) {
                        byte[] value = ByteBuffer.allocate(100).putLong(seq).array();
                        producer.send(new ProducerRecord<>(topic, 0, null, value)).get();
                        acks.add(System.currentTimeMillis());
                    }
                } catch (Throwable t) {
                    failure[0] = t;
                }
            }, "failover-producer");
            sender.start();

            List<Long> failovers = new ArrayList<>();
            for (int cycle = 1; cycle <= kills; cycle++) {
                int leader = awaitFullIsr(admin, topic);
                int ackedBefore = acks.size();
                while (acks.size() < ackedBefore + MIN_ACKS_BETWEEN_KILLS) {
                    checkDeadline("acknowledgements before kill " + cycle, failure);
                    Thread.sleep(10);
                }
                System.out.println("LEADER " + cycle + " " + leader);
                System.out.flush();
                long killedAt = awaitKill(control, cycle, failure);
                int ackedAtKill = acks.size();
                while (acks.size() < ackedAtKill + MIN_ACKS_BETWEEN_KILLS) {
                    checkDeadline("acknowledgements after kill " + cycle, failure);
                    Thread.sleep(10);
                }
                long failover = failoverMs(acks, killedAt);
                failovers.add(failover);
                System.out.println("failover " + cycle + " " + failover);
                System.out.flush();
            }
            stop.set(true);
            sender.join(120_000);
            if (failure[0] != null) {
                throw new IllegalStateException("the producer failed", failure[0]);
            }
            verify(bootstrap, topic, acks.size(), failovers);
        }
    }

    /** The longest pause of acknowledgements that ends after the kill, measured from the kill. */
    private static long failoverMs(List<Long> acks, long killedAt) {
        List<Long> times;
        synchronized (acks) {
            times = new ArrayList<>(acks);
        }
        long bestGap = -1;
        long failover = -1;
        for (int i = 1; i < times.size(); i++) {
            long previous = times.get(i - 1);
            long next = times.get(i);
            if (next > killedAt && previous >= killedAt - 5_000 && next - previous > bestGap) {
                bestGap = next - previous;
                failover = next - killedAt;
            }
        }
        return failover;
    }

    private static void verify(String bootstrap, String topic, long acked, List<Long> failovers) {
        TopicPartition partition = new TopicPartition(topic, 0);
        long lost = 0;
        long duplicates = 0;
        long outOfOrder = 0;
        var seen = new boolean[(int) acked];
        long last = -1;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(bootstrap))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
            while (consumer.position(partition) < end) {
                checkDeadline("reading the records back", null);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    long seq = ByteBuffer.wrap(record.value()).getLong();
                    if (seq < last) {
                        outOfOrder++;
                    }
                    last = Math.max(last, seq);
                    if (seq < acked) {
                        if (seen[(int) seq]) {
                            duplicates++;
                        }
                        seen[(int) seq] = true;
                    }
                }
            }
        }
        for (boolean s : seen) {
            if (!s) {
                lost++;
            }
        }
        List<Long> sorted = new ArrayList<>(failovers);
        Collections.sort(sorted);
        long median = sorted.isEmpty() ? -1 : sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        long max = sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1);
        System.out.printf("result failover_ms=%d failover_max_ms=%d failover_all=%s acked=%d lost=%d duplicates=%d"
                        + " out_of_order=%d%n", median, max,
                String.join(",", failovers.stream().map(String::valueOf).toList()), acked, lost, duplicates,
                outOfOrder);
        System.out.flush();
    }

    private static void createTopic(Admin admin, String topic) throws InterruptedException {
        while (true) {
            checkDeadline("CreateTopics", null);
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Waits until the partition has a leader and all three replicas in its ISR; returns the leader. */
    private static int awaitFullIsr(Admin admin, String topic) throws InterruptedException {
        while (true) {
            checkDeadline("a full ISR of " + topic, null);
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                var info = description.partitions().get(0);
                if (info.leader() != null && info.isr().size() == 3) {
                    return info.leader().id();
                }
            } catch (ExecutionException retriable) {
                // a node is restarting: ask again
            }
            Thread.sleep(100);
        }
    }

    private static long awaitKill(Path control, int cycle, Throwable[] failure) throws Exception {
        String prefix = "killed " + cycle + " ";
        while (true) {
            checkDeadline("the harness to kill the leader (cycle " + cycle + ")", failure);
            if (Files.exists(control)) {
                for (String line : Files.readAllLines(control)) {
                    if (line.startsWith(prefix)) {
                        return Long.parseLong(line.substring(prefix.length()).trim());
                    }
                }
            }
            Thread.sleep(10);
        }
    }

    private static void checkDeadline(String what, Throwable[] failure) {
        if (failure != null && failure[0] != null) {
            System.out.println("error the producer failed: " + failure[0]);
            System.out.flush();
            System.exit(3);
        }
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
        return p;
    }

    /** The client's defaults (what an application gets) apart from what the test needs. */
    private static Properties producerConfig(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    private static Properties consumerConfig(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }
}
