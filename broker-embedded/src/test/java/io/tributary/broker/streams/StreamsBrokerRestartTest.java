package io.tributary.broker.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.CommittedReader;
import io.tributary.broker.testing.StreamsApp;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running exactly_once_v2 application whose broker restarts under it, twice, while input keeps arriving: its
 * clients reconnect to the restarted broker and carry on with their transactions, and the output is still exactly
 * once. (This is how a broker that left connections open when it stopped was found: the application then stalled
 * for its clients' 30 s request timeout and was fenced; see ShutdownClosesConnectionsTest.)
 */
class StreamsBrokerRestartTest {
    private static final String INPUT = "restart-lines";
    private static final String OUTPUT = "restart-counts";
    private static final int PARTITIONS = 3;
    private static final int LINES = 600;

    @TempDir
    Path tempDir;

    /** Line n is "alpha beta w(n % 7)", in partition n % 3; each one acknowledged before the next is sent. */
    private static void writeLines(String bootstrap, int count, AtomicInteger written) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
            for (int n = 0; n < count; n++) {
                producer.send(new ProducerRecord<>(INPUT, n % PARTITIONS, "line-" + n, "alpha beta w" + (n % 7)))
                        .get();
                written.incrementAndGet();
            }
        }
    }

    private static Map<String, Long> countsOf(int lines) {
        var counts = new HashMap<String, Long>();
        counts.put("alpha", (long) lines);
        counts.put("beta", (long) lines);
        for (int w = 0; w < 7; w++) {
            int word = w;
            counts.put("w" + w, LongStream.range(0, lines).filter(n -> n % 7 == word).count());
        }
        return counts;
    }

    private static Map<String, List<Long>> countHistory(String bootstrap, Map<String, Long> expectedFinal) {
        List<ConsumerRecord<String, Long>> records = CommittedReader.readUntil(bootstrap, OUTPUT,
                new LongDeserializer(), read -> {
                    var latest = new HashMap<String, Long>();
                    read.forEach(record -> latest.put(record.key(), record.value()));
                    return latest.equals(expectedFinal);
                }, Duration.ofSeconds(30));
        var history = new LinkedHashMap<String, List<Long>>();
        records.forEach(record -> history.computeIfAbsent(record.key(), word -> new ArrayList<>())
                .add(record.value()));
        return history;
    }

    @Test
    void brokerRestartsUnderARunningApplicationLoseAndDuplicateNoCount() throws Exception {
        try (TestBroker broker = TestBroker.start(tempDir.resolve("data"), TestBroker.FAST_TRANSACTIONS)) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, INPUT, PARTITIONS, Map.of());
            Clients.createTopic(bootstrap, OUTPUT, PARTITIONS, Map.of());
            var written = new AtomicInteger();
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try (StreamsApp app = StreamsApp.builder(bootstrap, "restart-app", tempDir.resolve("state"))
                    .start(WordCount.topology(INPUT, OUTPUT))) {
                // Lines keep arriving, so the application is processing (and has transactions open) throughout.
                Future<?> writing = writer.submit(() -> {
                    writeLines(bootstrap, LINES, written);
                    return null;
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= LINES / 3);
                broker.restartOnSamePort();
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= 2 * LINES / 3);
                broker.restartOnSamePort();
                writing.get(30, TimeUnit.SECONDS);

                Map<String, Long> expected = countsOf(LINES);
                Map<String, List<Long>> history = countHistory(bootstrap, expected);

                // Every count of every word exactly once, in order: 1, 2, ..., n.
                var expectedHistory = new HashMap<String, List<Long>>();
                expected.forEach((word, count) ->
                        expectedHistory.put(word, LongStream.rangeClosed(1, count).boxed().toList()));
                assertThat(history).isEqualTo(expectedHistory);
                assertThat(app.uncaughtExceptions()).isEmpty();
                assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            } finally {
                writer.shutdownNow();
                assertThat(writer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
