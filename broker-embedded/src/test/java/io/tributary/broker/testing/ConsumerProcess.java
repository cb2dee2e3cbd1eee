package io.tributary.broker.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumer-group member in a JVM of its own, on the test classpath, so a test can kill it the way an operating
 * system would ({@link #kill()} is SIGKILL): no LeaveGroup, no last commit, the broker only notices that its
 * heartbeats stopped. The child subscribes to one topic, commits synchronously after every poll, and prints
 * {@code owned [p, ...]} (partition numbers) after every rebalance callback; its output goes to a file.
 */
public final class ConsumerProcess implements AutoCloseable {
    private static final Pattern OWNED = Pattern.compile("^owned \\[([0-9, ]*)]$", Pattern.MULTILINE);

    private final ChildJvm child;

    private ConsumerProcess(ChildJvm child) {
        this.child = child;
    }

    /**
     * Starts a member of {@code groupId} on {@code topic} with {@link Clients#groupConsumer} settings and
     * {@code overrides}; returns at once (the child joins the group in its own time).
     */
    public static ConsumerProcess start(Path outputDir, String bootstrapServers, String groupId, String topic,
                                        Map<String, String> overrides) {
        var args = new ArrayList<>(List.of(bootstrapServers, groupId, topic));
        overrides.forEach((name, value) -> args.add(name + "=" + value));
        return new ConsumerProcess(ChildJvm.start(outputDir, "consumer", ConsumerProcess.class, args));
    }

    /** The partitions of the topic the child owns after its latest rebalance callback; empty before the first. */
    public Set<Integer> owned() {
        child.checkAlive("consumer");
        Matcher matcher = OWNED.matcher(output());
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1);
        }
        var partitions = new TreeSet<Integer>();
        if (last != null && !last.isBlank()) {
            for (String partition : last.split(",")) {
                partitions.add(Integer.parseInt(partition.trim()));
            }
        }
        return partitions;
    }

    public String output() {
        return child.output();
    }

    /** SIGKILL, as {@code kill -9}. Returns the exit status (137). */
    public int kill() throws InterruptedException {
        return child.kill();
    }

    @Override
    public void close() {
        child.close();
    }

    /** The child: {@code bootstrapServers groupId topic [config=value ...]}; runs until killed. */
    public static void main(String[] args) {
        var overrides = new HashMap<String, Object>();
        for (int i = 3; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            overrides.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        var owned = new TreeSet<Integer>();
        try (KafkaConsumer<String, String> consumer = Clients.groupConsumer(args[0], args[1], overrides)) {
            consumer.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    consumer.commitSync();
                    partitions.forEach(p -> owned.remove(p.partition()));
                    System.out.println("owned " + owned);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    partitions.forEach(p -> owned.add(p.partition()));
                    System.out.println("owned " + owned);
                }
            });
            while (true) {
                if (!consumer.poll(Duration.ofMillis(100)).isEmpty()) {
                    consumer.commitSync();
                }
            }
        }
    }
}
