package io.tributary.broker.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;

/**
 * One member of a consumer group: a kafka-clients consumer subscribed to a topic, polling on a thread of its own
 * the way an application does. It processes every record into a {@link PartitionLedger}, commits synchronously
 * what it processed after each poll and again, in {@code onPartitionsRevoked}, before it gives partitions up. Its
 * rebalance listener reports to the ledger and keeps a timed log of its own callbacks, so a test can count
 * rebalances and see exactly what was revoked.
 *
 * <p>The consumer is touched only by the member's thread; the test thread reads the volatile views and the
 * callback log. {@link #close()} stops the loop and closes the consumer on that thread (a dynamic member leaves
 * the group, a static one stays until its session times out, as kafka-clients does by default).
 */
public final class GroupMember implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** One rebalance listener callback, with the partitions it was given and when ({@link System#nanoTime()}). */
    public record Callback(Kind kind, Set<TopicPartition> partitions, long nanoTime) {
    }

    public enum Kind { ASSIGNED, REVOKED, LOST }

    private final String name;
    private final String topic;
    private final PartitionLedger ledger;
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Callback> callbacks = new CopyOnWriteArrayList<>();
    /** Offsets processed but not yet committed; the member's thread only. */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    private volatile Set<TopicPartition> owned = Set.of();
    private volatile boolean awaitingAssignment = true;
    private volatile Throwable failure;

    private GroupMember(String name, String bootstrapServers, String groupId, String topic,
                        Map<String, Object> overrides, PartitionLedger ledger) {
        this.name = name;
        this.topic = topic;
        this.ledger = ledger;
        var config = new HashMap<String, Object>();
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        config.putAll(overrides);
        this.consumer = Clients.groupConsumer(bootstrapServers, groupId, config);
        this.thread = new Thread(this::run, "member-" + name);
    }

    /**
     * Starts a member named {@code name} (also its {@code client.id}) of {@code groupId}, subscribed to
     * {@code topic}, with {@link Clients#groupConsumer} settings and {@code overrides}.
     */
    public static GroupMember start(String name, String bootstrapServers, String groupId, String topic,
                                    Map<String, Object> overrides, PartitionLedger ledger) {
        var member = new GroupMember(name, bootstrapServers, groupId, topic, overrides, ledger);
        member.thread.start();
        return member;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new Listener());
            while (running.get()) {
                for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                    ledger.processed(name, record);
                    uncommitted.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1, record.leaderEpoch(), ""));
                }
                commit(Set.copyOf(uncommitted.keySet()));
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            try {
                consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
    }

    private void commit(Collection<TopicPartition> partitions) {
        var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = uncommitted.get(partition);
            if (offset != null) {
                offsets.put(partition, offset);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            ledger.committed(name, offsets);
            uncommitted.keySet().removeAll(offsets.keySet());
        } catch (RebalanceInProgressException | CommitFailedException e) {
            // Kept: the commit in onPartitionsRevoked tries again before the partitions are given up.
            ledger.commitFailed(name, e);
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commit(partitions);
            uncommitted.keySet().removeAll(partitions);
            ledger.revoked(name, partitions);
            record(Kind.REVOKED, partitions);
            var remaining = new HashSet<>(owned);
            remaining.removeAll(partitions);
            owned = Set.copyOf(remaining);
            awaitingAssignment = true;
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            uncommitted.keySet().removeAll(partitions);
            ledger.lost(name, partitions);
            record(Kind.LOST, partitions);
            var remaining = new HashSet<>(owned);
            remaining.removeAll(partitions);
            owned = Set.copyOf(remaining);
            awaitingAssignment = true;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            ledger.assigned(name, partitions);
            record(Kind.ASSIGNED, partitions);
            var now = new HashSet<>(owned);
            now.addAll(partitions);
            owned = Set.copyOf(now);
            awaitingAssignment = false;
        }

        private void record(Kind kind, Collection<TopicPartition> partitions) {
            callbacks.add(new Callback(kind, Set.copyOf(partitions), System.nanoTime()));
        }
    }

    public String name() {
        return name;
    }

    /** The partitions the member owns now, as its listener was told. */
    public Set<TopicPartition> owned() {
        return owned;
    }

    /** True once the member was given its assignment and has not given partitions up since. */
    public boolean settled() {
        return !awaitingAssignment && thread.isAlive();
    }

    /** Every listener callback so far, in order. */
    public List<Callback> callbacks() {
        return List.copyOf(callbacks);
    }

    /** What ended the member's loop other than {@link #close()}, or null. */
    public Throwable failure() {
        return failure;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Asks the member's thread to stop polling and close the consumer, without waiting. */
    public void stop() {
        running.set(false);
    }

    /** Stops the loop, closes the consumer and waits (bounded) for the member's thread to end. */
    @Override
    public void close() {
        stop();
        try {
            thread.join(CLOSE_TIMEOUT.plusSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while closing " + name, e);
        }
        if (thread.isAlive()) {
            throw new AssertionError(name + " did not close within " + CLOSE_TIMEOUT.plusSeconds(5));
        }
    }

    /**
     * Waits (at most 30 s) until every one of {@code members} has settled on an assignment, together they own
     * each of the topic's {@code partitionCount} partitions exactly once, and the sizes of their assignments are
     * {@code sizes} in some order. Fails at once if a member's loop failed.
     */
    public static void awaitBalanced(Collection<GroupMember> members, int partitionCount, List<Integer> sizes) {
        var expectedSizes = sizes.stream().sorted().toList();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .alias(members.size() + " members own " + partitionCount + " partitions as " + expectedSizes)
                .until(() -> {
                    var union = new HashSet<TopicPartition>();
                    int total = 0;
                    for (GroupMember member : members) {
                        if (member.failure() != null) {
                            throw new AssertionError(member.name() + " failed", member.failure());
                        }
                        if (!member.settled()) {
                            return false;
                        }
                        union.addAll(member.owned());
                        total += member.owned().size();
                    }
                    var actualSizes = members.stream().map(m -> m.owned().size()).sorted().toList();
                    return total == partitionCount && union.size() == partitionCount
                            && actualSizes.equals(expectedSizes);
                });
    }

    /** The partitions given to {@code kind} callbacks from the {@code from}-th callback on. */
    public Set<TopicPartition> partitionsSince(int from, Kind kind) {
        var partitions = new HashSet<TopicPartition>();
        List<Callback> all = callbacks();
        for (Callback callback : all.subList(from, all.size())) {
            if (callback.kind() == kind) {
                partitions.addAll(callback.partitions());
            }
        }
        return partitions;
    }

    /** Stops all {@code members} at once (so their leaves overlap), then waits for each. */
    public static void closeAll(Collection<GroupMember> members) {
        members.forEach(GroupMember::stop);
        for (GroupMember member : members) {
            member.close();
        }
    }
}
