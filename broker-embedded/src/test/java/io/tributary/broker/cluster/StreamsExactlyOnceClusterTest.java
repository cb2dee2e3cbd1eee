package io.tributary.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.server.LocalCluster;
import io.tributary.broker.testing.ClusterFixture;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.CommittedReader;
import io.tributary.broker.testing.StreamsApp;
import io.tributary.broker.testing.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Kafka Streams application with {@code exactly_once_v2} on a three-node cluster (every topic, internal ones
 * included, with three replicas and {@code min.insync.replicas=2}) keeps exactly-once output while, with input
 * flowing, two nodes are killed in turn (no controlled shutdown) and restarted:
 * <ol>
 *   <li>the application's <em>transaction coordinator</em>: the node that {@code Admin.describeTransactions}
 *       (FindCoordinator, then DescribeTransactions) names as coordinator of the application's one transactional
 *       id, {@code <application.id>-<process id>-1}, taken at a moment when that id has a transaction open, so
 *       the kill catches one in flight; the test checks it is the leader of the id's partition of
 *       {@code __transaction_state};</li>
 *   <li>the application's <em>group coordinator</em>: the node that FindCoordinator names for the group
 *       {@code application.id} (as {@code Admin.describeConsumerGroups} reports it), checked to be the leader of
 *       the group's partition of {@code __consumer_offsets}, where the transactions' input offsets go through
 *       {@code TxnOffsetCommit}.</li>
 * </ol>
 * The topology is stateful and shows a duplicate or a loss anywhere: every input event {@code i} is passed through
 * to {@code seen} as {@code "seen-i"}, and counted under the group {@code i % 5} (a repartition topic, a count store
 * and its changelog) with every new count published to {@code counts} (the record cache is off). A read_committed
 * consumer then must see every event in {@code seen} once (in order per key), and for each group the counts
 * 1, 2, ..., n exactly, no repeat and no gap.
 */
class StreamsExactlyOnceClusterTest {
    private static final String APPLICATION_ID = "event-counter";
    private static final String IN = "events";
    private static final String SEEN = "seen";
    private static final String COUNTS = "counts";
    private static final int PARTITIONS = 3;
    private static final int KEYS = 12;
    private static final int GROUPS = 5;
    /** The feeder writes this many events every {@link #FEED_PERIOD}: about 100 a second. */
    private static final int FEED_BATCH = 2;
    private static final Duration FEED_PERIOD = Duration.ofMillis(20);
    /** How many more transactions the application must commit after a kill to show it carries on. */
    private static final int COMMITS_AFTER_KILL = 10;
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final ClusterFixture clusters = new ClusterFixture();

    @Test
    void countsAndPassThroughStayExactlyOnceWhileTheTransactionAndGroupCoordinatorsAreKilled() throws Exception {
        var overrides = new HashMap<>(TestBroker.FAST_TRANSACTIONS);
        overrides.put("offsets.topic.replication.factor", "3");
        overrides.put("transaction.state.log.replication.factor", "3");
        LocalCluster cluster = clusters.start(3, overrides);
        String bootstrap = cluster.bootstrapServers();
        Map<String, String> topicConfigs = Map.of("min.insync.replicas", "2");
        clusters.createTopic(IN, PARTITIONS, 3, topicConfigs);
        clusters.createTopic(SEEN, PARTITIONS, 3, topicConfigs);
        clusters.createTopic(COUNTS, PARTITIONS, 3, topicConfigs);

        try (Feeder feeder = new Feeder(bootstrap);
             Admin admin = Clients.admin(bootstrap);
             StreamsApp app = StreamsApp.builder(bootstrap, APPLICATION_ID, clusters.root().resolve("streams"))
                     .config(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3)
                     .config(StreamsConfig.topicPrefix("min.insync.replicas"), 2)
                     .start(topology())) {
            feeder.start();
            awaitCommits(app, COMMITS_AFTER_KILL, feeder);

            int transactionCoordinator = coordinatorOfOpenTransaction(admin, cluster);
            killAndRestart(cluster, transactionCoordinator, app, feeder);

            int groupCoordinator = admin.describeConsumerGroups(List.of(APPLICATION_ID)).describedGroups()
                    .get(APPLICATION_ID).get(15, TimeUnit.SECONDS).coordinator().id();
            assertThat(groupCoordinator).as("the group coordinator leads the group's __consumer_offsets partition")
                    .isEqualTo(cluster.leaderOf(Topic.GROUP_METADATA_TOPIC_NAME,
                            Utils.abs(APPLICATION_ID.hashCode()) % 3));
            killAndRestart(cluster, groupCoordinator, app, feeder);

            int events = feeder.stop();
            assertThat(feeder.failures()).as("events the feeder could not write").isEmpty();

            // The broker kept the input itself exactly once (else a fault below could be the input's).
            assertExactlyOnce(values(readCommitted(bootstrap, IN, new StringDeserializer(), events)), "", events);

            List<ConsumerRecord<String, String>> seen = readCommitted(bootstrap, SEEN, new StringDeserializer(),
                    events);
            assertExactlyOnce(values(seen), "seen-", events);
            assertThat(outOfOrder(seen)).as("events of one key out of order in %s", SEEN).isEmpty();

            Map<String, Long> finalCounts = countsOf(events);
            List<ConsumerRecord<String, Long>> counts = CommittedReader.readUntil(bootstrap, COUNTS,
                    new LongDeserializer(), read -> latest(read).equals(finalCounts), Duration.ofSeconds(30));
            assertThat(countFaults(counts, finalCounts)).as("repeated, skipped or missing counts in %s", COUNTS)
                    .isEmpty();
            assertThat(latest(counts)).isEqualTo(finalCounts);

            assertThat(app.uncaughtExceptions()).isEmpty();
            assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    /**
     * Events pass through to {@value #SEEN}; regrouped by {@code i % GROUPS} (a repartition topic) and counted in a
     * store with a changelog, every new count goes to {@value #COUNTS}.
     */
    private static Topology topology() {
        var builder = new StreamsBuilder();
        KStream<String, String> events = builder.stream(IN, Consumed.with(Serdes.String(), Serdes.String()));
        events.mapValues(value -> "seen-" + value).to(SEEN, Produced.with(Serdes.String(), Serdes.String()));
        events.groupBy((key, value) -> group(Integer.parseInt(value)), Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.as("counts-store"))
                .toStream()
                .to(COUNTS, Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    private static String group(int event) {
        return "group-" + event % GROUPS;
    }

    /**
     * The node coordinating the application's transactional id, found while that id has a transaction open (so the
     * kill catches one in flight): {@code DescribeTransactions} answers from the coordinator, which must be the
     * leader of the id's {@code __transaction_state} partition.
     */
    private static int coordinatorOfOpenTransaction(Admin admin, LocalCluster cluster) {
        String[] transactionalId = new String[1];
        TransactionDescription[] open = new TransactionDescription[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> {
            if (transactionalId[0] == null) {
                admin.listTransactions().all().get().stream()
                        .filter(listing -> listing.transactionalId().matches(APPLICATION_ID + "-[0-9a-f-]{36}-1"))
                        .findFirst()
                        .ifPresent(listing -> transactionalId[0] = listing.transactionalId());
                return false;
            }
            open[0] = admin.describeTransactions(List.of(transactionalId[0])).description(transactionalId[0]).get();
            return open[0].state() == TransactionState.ONGOING;
        });
        int partition = Utils.abs(transactionalId[0].hashCode()) % 3;
        assertThat(open[0].coordinatorId()).as("the coordinator of %s leads __transaction_state-%d",
                transactionalId[0], partition)
                .isEqualTo(cluster.leaderOf(Topic.TRANSACTION_STATE_TOPIC_NAME, partition));
        return open[0].coordinatorId();
    }

    /**
     * Kills {@code node}, waits for the application to commit further transactions without it, restarts it and
     * waits until it is back in every ISR.
     */
    private static void killAndRestart(LocalCluster cluster, int node, StreamsApp app, Feeder feeder) {
        cluster.kill(node);
        awaitCommits(app, commits(app) + COMMITS_AFTER_KILL, feeder);
        cluster.restart(node);
        cluster.awaitLeadersAndFullIsr(RECOVERY_TIMEOUT);
    }

    /** Waits until the application's stream thread committed {@code total} transactions with records in them. */
    private static void awaitCommits(StreamsApp app, long total, Feeder feeder) {
        try {
            await().atMost(RECOVERY_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .failFast(() -> !app.uncaughtExceptions().isEmpty())
                    .until(() -> commits(app) >= total);
        } catch (RuntimeException | Error e) {
            var error = new AssertionError("The application committed " + commits(app) + " of " + total
                    + " transactions (" + feeder.written() + " events written); state " + app.streams().state()
                    + ", uncaught " + app.uncaughtExceptions(), e);
            app.uncaughtExceptions().forEach(error::addSuppressed);
            throw error;
        }
    }

    /** Kafka Streams' {@code commit-total} of its stream thread: commits that had records to commit. */
    private static long commits(StreamsApp app) {
        return app.streams().metrics().entrySet().stream()
                .filter(metric -> metric.getKey().group().equals("stream-thread-metrics")
                        && metric.getKey().name().equals("commit-total"))
                .mapToLong(metric -> ((Number) metric.getValue().metricValue()).longValue())
                .sum();
    }

    /** Every record of {@code topic} with read_committed, once {@code expected} came, and half a second beyond. */
    private static <V> List<ConsumerRecord<String, V>> readCommitted(String bootstrap, String topic,
                                                                    Deserializer<V> deserializer,
                                                                    int expected) {
        return CommittedReader.readUntil(bootstrap, topic, deserializer, read -> read.size() >= expected,
                Duration.ofSeconds(30));
    }

    private static List<String> values(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** {@code values} are {@code prefix + i} for every i below {@code events}, each once. */
    private static void assertExactlyOnce(List<String> values, String prefix, int events) {
        var occurrences = new TreeMap<String, Integer>();
        values.forEach(value -> occurrences.merge(value, 1, Integer::sum));
        var duplicated = new TreeMap<String, Integer>();
        occurrences.forEach((value, times) -> {
            if (times > 1) {
                duplicated.put(value, times);
            }
        });
        var missing = new ArrayList<String>();
        var unexpected = new TreeSet<>(occurrences.keySet());
        for (int i = 0; i < events; i++) {
            if (!unexpected.remove(prefix + i)) {
                missing.add(prefix + i);
            }
        }
        assertThat(duplicated).as("values read more than once (value=times), of %d events", events).isEmpty();
        assertThat(missing).as("values missing, of %d events", events).isEmpty();
        assertThat(unexpected).as("values never written").isEmpty();
        assertThat(values).hasSize(events);
    }

    /** Records whose event number is not above the previous one of the same key, as "key: previous -> value". */
    private static List<String> outOfOrder(List<ConsumerRecord<String, String>> records) {
        var last = new HashMap<String, Integer>();
        var faults = new ArrayList<String>();
        for (ConsumerRecord<String, String> record : records) {
            int event = Integer.parseInt(record.value().substring("seen-".length()));
            Integer previous = last.put(record.key(), event);
            if (previous != null && previous >= event) {
                faults.add(record.key() + ": " + previous + " -> " + event + " at offset " + record.offset());
            }
        }
        return faults;
    }

    /** How many events of each group the first {@code events} events hold: the final count of each group. */
    private static Map<String, Long> countsOf(int events) {
        var counts = new TreeMap<String, Long>();
        for (int i = 0; i < events; i++) {
            counts.merge(group(i), 1L, Long::sum);
        }
        return counts;
    }

    private static Map<String, Long> latest(List<ConsumerRecord<String, Long>> records) {
        var latest = new TreeMap<String, Long>();
        records.forEach(record -> latest.put(record.key(), record.value()));
        return latest;
    }

    /**
     * Every place where a group's published counts are not 1, 2, ..., n (a repeat means an event counted twice or
     * a count published twice, a gap an update lost), and every group whose last count is short of its events.
     */
    private static List<String> countFaults(List<ConsumerRecord<String, Long>> records, Map<String, Long> expected) {
        var history = new LinkedHashMap<String, List<ConsumerRecord<String, Long>>>();
        records.forEach(record -> history.computeIfAbsent(record.key(), key -> new ArrayList<>()).add(record));
        var faults = new ArrayList<String>();
        history.forEach((group, counts) -> {
            long next = 1;
            for (ConsumerRecord<String, Long> count : counts) {
                if (count.value() != next) {
                    faults.add(group + ": " + count.value() + " where " + next + " was due, at " + count.partition()
                            + "@" + count.offset());
                }
                next = count.value() + 1;
            }
        });
        expected.forEach((group, count) -> {
            List<ConsumerRecord<String, Long>> counts = history.getOrDefault(group, List.of());
            if (counts.size() != count) {
                faults.add(group + ": " + counts.size() + " counts published for " + count + " events");
            }
        });
        return faults;
    }

    /**
     * Writes event {@code i} (key {@code "user-" + i % KEYS}, value {@code "i"}) to {@value #IN}, a few every
     * {@link #FEED_PERIOD} from its own thread, with acks=all and idempotence, so input keeps arriving while nodes
     * die; {@link #stop} returns how many it wrote, each acknowledged.
     */
    private static final class Feeder implements AutoCloseable {
        private final KafkaProducer<String, String> producer;
        private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger sent = new AtomicInteger();
        private final AtomicInteger acknowledged = new AtomicInteger();
        private final List<Exception> failures = new CopyOnWriteArrayList<>();

        Feeder(String bootstrap) {
            producer = Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000));
        }

        void start() {
            thread.scheduleAtFixedRate(() -> {
                for (int n = 0; n < FEED_BATCH; n++) {
                    int event = sent.getAndIncrement();
                    try {
                        producer.send(new ProducerRecord<>(IN, "user-" + event % KEYS, String.valueOf(event)),
                                (metadata, exception) -> {
                                    if (exception == null) {
                                        acknowledged.incrementAndGet();
                                    } else {
                                        failures.add(exception);
                                    }
                                });
                    } catch (RuntimeException e) {
                        // Recorded rather than thrown: a periodic task that throws is silently never run again.
                        failures.add(e);
                    }
                }
            }, 0, FEED_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        }

        int written() {
            return acknowledged.get();
        }

        List<Exception> failures() {
            return List.copyOf(failures);
        }

        /** Stops feeding and waits until every event sent is acknowledged or failed; returns how many were sent. */
        int stop() throws InterruptedException {
            thread.shutdown();
            assertThat(thread.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            producer.flush();
            return sent.get();
        }

        @Override
        public void close() throws InterruptedException {
            thread.shutdownNow();
            assertThat(thread.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            producer.close(Duration.ofSeconds(10));
        }
    }
}
