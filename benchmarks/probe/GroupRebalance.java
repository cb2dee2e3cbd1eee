import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Tributary benchmark probe: how long a consumer group (classic protocol) takes to settle after a member joins
 * and after a member leaves.
 *
 * <p>One JVM runs the group's members, each a {@link KafkaConsumer} polling on its own thread (all consumers are
 * constructed before any clock starts). A member's partitions are tracked from its rebalance listener
 * (assigned adds, revoked/lost remove). The group counts as <em>settled</em> at the first listener callback after
 * which the live members' partitions cover all PARTITIONS of TOPIC exactly once and are balanced (largest and
 * smallest share differ by at most one: what range, round-robin and the sticky assignors give for one topic, and
 * what the new or the remaining members cannot have before the rebalance completes, since PARTITIONS &gt;=
 * MEMBERS). Then, for every measurement:
 *
 * <ul>
 *   <li>{@code coordinator_ms} (not a rebalance): before any clock of the group starts, an extra consumer of
 *       another group looks up the group coordinator and fetches a committed offset, so that work a broker does
 *       for the very first group (Kafka creates {@code __consumer_offsets} then) is not counted below.</li>
 *   <li>{@code form_ms}: MEMBERS members subscribe at once (a new group) → settled. Includes the client-side
 *       class loading of the first JoinGroup/SyncGroup, for both brokers alike.</li>
 *   <li>{@code leave_ms} (per cycle): the oldest member calls {@code close()} with LEAVE_GROUP → the other
 *       MEMBERS-1 members have settled.</li>
 *   <li>{@code join_ms} (per cycle): a new member (consumer already constructed) calls {@code subscribe()} and
 *       starts polling → all MEMBERS members have settled.</li>
 * </ul>
 *
 * <p>After each settle the probe waits SETTLE_MS and counts rebalances that still happen ({@code extra_rebalances},
 * expected 0), and reports how many generations the settle took ({@code *_generations}: 1 for an eager assignor,
 * 2 for cooperative-sticky when partitions move).
 *
 * <p>Members that keep polling learn of a rebalance from their next heartbeat, and all members restart their
 * heartbeat timers together when a rebalance completes; a fixed pause before each leave/join would therefore hit
 * the same heartbeat phase every time. Each leave and join waits SETTLE_MS plus a pseudo-random part of one
 * {@code heartbeat.interval.ms} (fixed seed: the same sequence against every broker), so the heartbeat wait
 * averages out over the cycles instead of being a constant.
 *
 * <p>usage: {@code GroupRebalance 127.0.0.1:PORT TOPIC GROUP MEMBERS PARTITIONS ASSIGNOR CYCLES POLL_MS SETTLE_MS
 * TIMEOUT_S [name=value ...]} with ASSIGNOR one of range, roundrobin, sticky, cooperative-sticky; the name=value
 * pairs are extra consumer properties (e.g. heartbeat.interval.ms=500). Prints one {@code cycle ...} line per cycle
 * and a {@code result ...} line (medians over the cycles), or {@code error ...} and exit status 2.
 */
public final class GroupRebalance {
    private static final Object LOCK = new Object();
    private static final List<Member> LIVE = new ArrayList<>(); // members that should own partitions; under LOCK
    private static final Set<Member> ALL = ConcurrentHashMap.newKeySet();
    private static int partitionCount;
    private static long stableAt;      // first callback time at which LIVE settled, 0 while not; under LOCK
    private static int stableGeneration;

    public static void main(String[] args) throws Exception {
        if (args.length < 10) {
            System.err.println("usage: GroupRebalance 127.0.0.1:PORT TOPIC GROUP MEMBERS PARTITIONS ASSIGNOR CYCLES"
                    + " POLL_MS SETTLE_MS TIMEOUT_S [name=value ...]");
            System.exit(64);
        }
        String bootstrap = args[0];
        String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            throw new IllegalArgumentException("loopback addresses only, not " + bootstrap);
        }
        String topic = args[1];
        String group = args[2];
        int members = Integer.parseInt(args[3]);
        partitionCount = Integer.parseInt(args[4]);
        String assignor = args[5];
        int cycles = Integer.parseInt(args[6]);
        long pollMs = Long.parseLong(args[7]);
        long settleMs = Long.parseLong(args[8]);
        long timeoutMs = Long.parseLong(args[9]) * 1000L;
        if (members < 2 || partitionCount < members) {
            throw new IllegalArgumentException("need MEMBERS >= 2 and PARTITIONS >= MEMBERS");
        }
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignorClass(assignor));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        for (int i = 10; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not name=value: " + args[i]);
            }
            config.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }

        // Every consumer is constructed before a clock starts; the topic must be there with all its partitions.
        List<Member> initial = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            initial.add(new Member(i, config, topic, pollMs));
        }
        List<PartitionInfo> infos = initial.get(0).consumer.partitionsFor(topic, Duration.ofMillis(timeoutMs));
        if (infos == null || infos.size() != partitionCount) {
            fail("topic " + topic + " has " + (infos == null ? 0 : infos.size()) + " partitions, expected " + partitionCount);
        }
        Member spare = new Member(members, config, topic, pollMs);
        long coordinatorMs;
        Properties warmConfig = new Properties();
        warmConfig.putAll(config);
        warmConfig.put(ConsumerConfig.GROUP_ID_CONFIG, group + "-warmup");
        try (KafkaConsumer<byte[], byte[]> warm = new KafkaConsumer<>(warmConfig)) {
            long t0 = System.currentTimeMillis();
            warm.committed(Set.of(new TopicPartition(topic, 0)), Duration.ofMillis(timeoutMs));
            coordinatorMs = System.currentTimeMillis() - t0;
        } catch (RuntimeException e) {
            fail("looking up the group coordinator (OffsetFetch of group " + group + "-warmup): " + e);
            return;
        }
        int heartbeatMs = Integer.parseInt(config.getProperty(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000"));
        Random jitter = new Random(20261122L);

        // 1. A new group of MEMBERS members.
        long formMs;
        synchronized (LOCK) {
            LIVE.addAll(initial);
            stableAt = 0;
        }
        CountDownLatch go = new CountDownLatch(1);
        for (Member m : initial) {
            m.start(go);
        }
        go.countDown();
        long formStable = awaitSettled("the new group of " + members + " to settle", timeoutMs);
        formMs = formStable - initial.stream().mapToLong(m -> m.subscribedAt).filter(t -> t > 0).min().orElse(formStable);
        int formGenerations = stableGeneration;
        int extra = settle(settleMs, timeoutMs);

        // 2. Cycles: the oldest member leaves, then a new one joins.
        List<Long> leaves = new ArrayList<>();
        List<Long> joins = new ArrayList<>();
        List<Integer> leaveGens = new ArrayList<>();
        List<Integer> joinGens = new ArrayList<>();
        int nextId = members + 1;
        for (int c = 1; c <= cycles; c++) {
            Member leaving;
            int genBefore;
            Thread.sleep(jitter.nextInt(heartbeatMs));
            synchronized (LOCK) {
                leaving = LIVE.remove(0);
                genBefore = stableGeneration;
                stableAt = 0;
            }
            leaving.leave();
            long leaveStable = awaitSettled("the group to settle after " + leaving.name + " left (cycle " + c + ")", timeoutMs);
            long closeStart = leaving.awaitCloseStart(timeoutMs);
            leaves.add(leaveStable - closeStart);
            leaveGens.add(stableGeneration - genBefore);
            extra += settle(settleMs, timeoutMs);
            leaving.awaitClosed(timeoutMs);

            Member joining = spare;
            Thread.sleep(jitter.nextInt(heartbeatMs));
            synchronized (LOCK) {
                LIVE.add(joining);
                genBefore = stableGeneration;
                stableAt = 0;
            }
            CountDownLatch now = new CountDownLatch(1);
            joining.start(now);
            now.countDown();
            long joinStable = awaitSettled("the group to settle after " + joining.name + " joined (cycle " + c + ")", timeoutMs);
            joins.add(joinStable - joining.awaitSubscribed(timeoutMs));
            joinGens.add(stableGeneration - genBefore);
            extra += settle(settleMs, timeoutMs);
            System.out.printf("cycle %d leave_ms=%d join_ms=%d leave_generations=%d join_generations=%d%n",
                    c, leaves.get(c - 1), joins.get(c - 1), leaveGens.get(c - 1), joinGens.get(c - 1));
            System.out.flush();
            if (c < cycles) {
                spare = new Member(nextId++, config, topic, pollMs);
            }
        }
        System.out.printf("result members=%d partitions=%d assignor=%s cycles=%d coordinator_ms=%d form_ms=%d"
                        + " form_generations=%d"
                        + " join_ms=%d leave_ms=%d join_max_ms=%d leave_max_ms=%d join_generations=%d"
                        + " leave_generations=%d extra_rebalances=%d join_all=%s leave_all=%s%n",
                members, partitionCount, assignor, cycles, coordinatorMs, formMs, formGenerations, median(joins), median(leaves),
                Collections.max(joins), Collections.max(leaves), median(joinGens), median(leaveGens), extra,
                joins.stream().map(String::valueOf).collect(Collectors.joining(",")),
                leaves.stream().map(String::valueOf).collect(Collectors.joining(",")));
        System.out.flush();

        // Not measured: everybody leaves.
        List<Member> rest;
        synchronized (LOCK) {
            rest = new ArrayList<>(LIVE);
            LIVE.clear();
        }
        for (Member m : rest) {
            m.leave();
        }
        for (Member m : rest) {
            m.awaitClosed(timeoutMs);
        }
        System.exit(0);
    }

    private static String assignorClass(String name) {
        switch (name) {
            case "range": return RangeAssignor.class.getName();
            case "roundrobin": return RoundRobinAssignor.class.getName();
            case "sticky": return StickyAssignor.class.getName();
            case "cooperative-sticky": return CooperativeStickyAssignor.class.getName();
            default: throw new IllegalArgumentException("unknown assignor " + name);
        }
    }

    /** Waits until LIVE has settled; returns the time of the callback that completed it. */
    private static long awaitSettled(String what, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        synchronized (LOCK) {
            while (stableAt == 0) {
                for (Member m : ALL) {
                    if (m.error != null) {
                        fail("waiting for " + what + ": " + m.name + " failed: " + m.error);
                    }
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    fail("timeout after " + timeoutMs + " ms waiting for " + what + "; " + describe());
                }
                LOCK.wait(Math.min(left, 100));
            }
            return stableAt;
        }
    }

    /**
     * Waits SETTLE_MS; returns how many generations past the settled one the live members reached meanwhile. If the
     * group is no longer settled then, waits until it is again, so the next measurement starts from a settled group.
     */
    private static int settle(long settleMs, long timeoutMs) throws InterruptedException {
        Thread.sleep(settleMs);
        int extra = 0;
        boolean again;
        synchronized (LOCK) {
            for (Member m : LIVE) {
                extra = Math.max(extra, m.generation - stableGeneration);
            }
            again = !settledNow();
            if (extra > 0 || again) {
                System.out.printf("warning the group rebalanced again within %d ms of settling: %s%n", settleMs, describe());
            }
            if (again) {
                stableAt = 0;
                extra = Math.max(extra, 1);
            }
        }
        if (again) {
            awaitSettled("the group to settle again", timeoutMs);
        }
        return extra;
    }

    /** Under LOCK. */
    private static boolean settledNow() {
        Set<TopicPartition> union = new HashSet<>();
        int total = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (Member m : LIVE) {
            int n = m.owned.size();
            union.addAll(m.owned);
            total += n;
            min = Math.min(min, n);
            max = Math.max(max, n);
        }
        return !LIVE.isEmpty() && total == partitionCount && union.size() == partitionCount && max - min <= 1;
    }

    /** Under LOCK: called after every listener callback. */
    private static void changed() {
        if (stableAt == 0 && settledNow()) {
            stableAt = System.currentTimeMillis();
            int gen = 0;
            for (Member m : LIVE) {
                gen = Math.max(gen, m.generation);
            }
            stableGeneration = gen;
        }
        LOCK.notifyAll();
    }

    private static String describe() {
        Map<String, String> state = new LinkedHashMap<>();
        for (Member m : LIVE) {
            state.put(m.name, "generation " + m.generation + " owns " + new TreeSet<>(m.owned.stream()
                    .map(TopicPartition::partition).collect(Collectors.toSet())));
        }
        return "live members: " + state;
    }

    private static long median(List<? extends Number> values) {
        List<Long> v = values.stream().map(Number::longValue).sorted().collect(Collectors.toList());
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static void fail(String message) {
        System.out.println("error " + message);
        System.out.flush();
        System.exit(2);
    }

    private static final class Member implements ConsumerRebalanceListener, Runnable {
        final String name;
        final KafkaConsumer<byte[], byte[]> consumer;
        final String topic;
        final long pollMs;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final CountDownLatch subscribed = new CountDownLatch(1);
        final CountDownLatch closing = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        volatile int generation = -1;
        volatile long subscribedAt;
        volatile long closeStartedAt;
        volatile boolean leave;
        volatile Throwable error;
        private CountDownLatch go;

        Member(int id, Properties config, String topic, long pollMs) {
            this.name = "member-" + id;
            Properties p = new Properties();
            p.putAll(config);
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.getProperty(ConsumerConfig.GROUP_ID_CONFIG) + "-" + name);
            this.consumer = new KafkaConsumer<>(p);
            this.topic = topic;
            this.pollMs = pollMs;
            ALL.add(this);
        }

        void start(CountDownLatch go) {
            this.go = go;
            Thread t = new Thread(this, name);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void run() {
            try {
                go.await();
                subscribedAt = System.currentTimeMillis();
                subscribed.countDown();
                consumer.subscribe(List.of(topic), this);
                while (!leave) {
                    consumer.poll(Duration.ofMillis(pollMs));
                }
            } catch (Throwable e) {
                error = e;
                synchronized (LOCK) {
                    LOCK.notifyAll();
                }
            } finally {
                closeStartedAt = System.currentTimeMillis();
                closing.countDown();
                try {
                    consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                            .withTimeout(Duration.ofSeconds(30)));
                } catch (Throwable e) {
                    System.out.println("warning " + name + " close failed: " + e);
                }
                closed.countDown();
            }
        }

        void leave() {
            leave = true;
        }

        long awaitSubscribed(long timeoutMs) throws InterruptedException {
            if (!subscribed.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                fail(name + " did not start");
            }
            return subscribedAt;
        }

        long awaitCloseStart(long timeoutMs) throws InterruptedException {
            if (!closing.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                fail(name + " did not start closing");
            }
            return closeStartedAt;
        }

        void awaitClosed(long timeoutMs) throws InterruptedException {
            if (!closed.await(timeoutMs, TimeUnit.MILLISECONDS)) {
                fail(name + " did not close within " + timeoutMs + " ms");
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            synchronized (LOCK) {
                owned.removeAll(partitions);
                changed();
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            synchronized (LOCK) {
                owned.removeAll(partitions);
                changed();
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            int gen = consumer.groupMetadata().generationId();
            synchronized (LOCK) {
                generation = gen;
                owned.addAll(partitions);
                changed();
            }
        }
    }
}
