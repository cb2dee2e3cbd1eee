package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A storm of mutated request frames (bit flips, truncation, wrong size prefixes, inserted, deleted and appended
 * bytes) over a few sockets to a live broker, reconnecting whenever it closes one. Then every valid frame with bytes
 * appended after its body is answered on one connection, as Kafka's broker answers it (it never reads past the
 * body). Afterwards a normal client is served, the records written before the storm are intact, the only records
 * added are whole copies of the one valid batch the frames carried, and the broker logged no error (an error log
 * means a handler failed on decodable input).
 */
class MutatedFramesTest {
    private static final Duration STORM = Duration.ofSeconds(15);
    private static final int MAX_FRAMES = 20_000;
    private static final int CONNECTIONS = 4;
    private static final String LEDGER = "ledger";
    private static final TopicPartition LEDGER_0 = new TopicPartition(LEDGER, 0);
    private static final int LEDGER_RECORDS = 100;
    private static final int STORM_BATCH_RECORDS = 3;
    private static final Duration REPLY_WAIT = Duration.ofMillis(50);
    private static final int APPENDED_ROUNDS = 20;
    private static final byte[] INTERESTING = {0, -1, 0x7f, (byte) 0x80, 1};

    @TempDir
    Path dataDir;

    private final AtomicInteger framesSent = new AtomicInteger();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final Map<RawConnection.Reply, Integer> replies = new java.util.concurrent.ConcurrentHashMap<>();

    @Test
    void brokerSurvivesMutatedFramesAndKeepsExactlyTheValidData() throws Exception {
        var brokerLog = (Logger) LoggerFactory.getLogger("io.tributary");
        var errors = new ListAppender<ILoggingEvent>();
        errors.start();
        brokerLog.addAppender(errors);
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("socket.request.max.bytes", 65_536))) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, LEDGER, 1, Map.of());
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < LEDGER_RECORDS; i++) {
                    producer.send(new ProducerRecord<>(LEDGER, 0, "key-" + i, "value-" + i));
                }
                producer.flush();
            }

            storm(bootstrap, templates());
            everyFrameWithBytesAppendedIsAnswered(bootstrap, templates());

            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap)) {
                producer.send(new ProducerRecord<>(LEDGER, 0, "after", "after-storm")).get();
            }
            List<ConsumerRecord<String, String>> records = readAll(bootstrap);
            assertLedgerIsIntactPlusWholeStormBatches(records);
            int appendedBatches = (records.size() - LEDGER_RECORDS - 1) / STORM_BATCH_RECORDS;
            System.out.printf("mutated frames: %d sent on %d sockets (%d connections), replies %s, %d valid batches "
                    + "appended%n", Math.min(framesSent.get(), MAX_FRAMES), CONNECTIONS, reconnects.get(), replies,
                    appendedBatches);
            assertThat(framesSent.get()).isGreaterThan(2_000);
            assertThat(replies.get(RawConnection.Reply.CLOSED)).isGreaterThan(500);
            assertThat(replies.get(RawConnection.Reply.RESPONSE)).isGreaterThan(500);
            assertThat(appendedBatches).isPositive();
        } finally {
            brokerLog.detachAppender(errors);
        }
        assertThat(errors.list).filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.ERROR))
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    /**
     * Each template with 1 to 32 random bytes after its body (and a size prefix that counts them), in rounds on one
     * connection: each is answered, in order, and the connection stays open.
     */
    private static void everyFrameWithBytesAppendedIsAnswered(String bootstrap, List<byte[]> templates)
            throws IOException {
        var random = new Random(7);
        try (RawConnection connection = RawConnection.open(bootstrap)) {
            for (int round = 0; round < APPENDED_ROUNDS; round++) {
                for (byte[] template : templates) {
                    byte[] tail = new byte[1 + random.nextInt(32)];
                    random.nextBytes(tail);
                    connection.send(KafkaFrames.sized(KafkaFrames.concat(template, tail)));

                    int correlationId = ByteBuffer.wrap(template, 4, 4).getInt();
                    assertThat(ByteBuffer.wrap(connection.readFrame()).getInt())
                            .as("correlation id of the answer to %s", HexFormat.of().formatHex(tail))
                            .isEqualTo(correlationId);
                }
            }
        }
    }

    /** Valid frames of the everyday APIs; the produce frames carry one batch of three storm records. */
    private static List<byte[]> templates() {
        return List.of(
                KafkaFrames.frame(KafkaFrames.apiVersions(), 1),
                KafkaFrames.frame(KafkaFrames.metadata(LEDGER), 2),
                KafkaFrames.frame(KafkaFrames.produce(LEDGER, stormBatch(), (short) -1), 3),
                KafkaFrames.frame(KafkaFrames.produce(LEDGER, stormBatch(), (short) 1), 4),
                KafkaFrames.frame(KafkaFrames.fetch(LEDGER, 0), 5),
                KafkaFrames.frame(KafkaFrames.listOffsets(LEDGER, -1), 6),
                KafkaFrames.frame(KafkaFrames.createTopics("storm-topic", Map.of("retention.ms", "60000")), 7));
    }

    private static org.apache.kafka.common.record.MemoryRecords stormBatch() {
        return KafkaFrames.records(Compression.NONE, "storm", STORM_BATCH_RECORDS);
    }

    private void storm(String bootstrap, List<byte[]> templates) throws Exception {
        long deadline = System.nanoTime() + STORM.toNanos();
        var connections = new RawConnection[CONNECTIONS];
        var threads = new ArrayList<Thread>();
        for (int t = 0; t < CONNECTIONS; t++) {
            int index = t;
            var random = new Random(1_000 + t);
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < deadline && framesSent.get() < MAX_FRAMES) {
                    // One connection until the broker closes it or goes silent (waiting for bytes a wrong size
                    // prefix promised, or an acks=0 produce): then a fresh one, so every frame meets a live peer.
                    try (RawConnection connection = RawConnection.open(bootstrap)) {
                        connections[index] = connection;
                        var reply = RawConnection.Reply.RESPONSE;
                        while (reply == RawConnection.Reply.RESPONSE && System.nanoTime() < deadline
                                && framesSent.getAndIncrement() < MAX_FRAMES) {
                            connection.send(mutate(templates.get(random.nextInt(templates.size())), random));
                            reply = connection.awaitReply(REPLY_WAIT);
                            replies.merge(reply, 1, Integer::sum);
                        }
                    } catch (IOException closedByBroker) {
                        replies.merge(RawConnection.Reply.CLOSED, 1, Integer::sum);
                    }
                    reconnects.incrementAndGet();
                }
            }, "storm-" + t);
            threads.add(thread);
            thread.start();
        }
        for (int t = 0; t < CONNECTIONS; t++) {
            threads.get(t).join(STORM.toMillis() + 10_000);
            if (threads.get(t).isAlive() && connections[t] != null) {
                connections[t].close(); // a write blocked on a broker that stopped reading
                threads.get(t).join(10_000);
            }
            assertThat(threads.get(t).isAlive()).as("storm thread %d finished", t).isFalse();
        }
    }

    /** One mutation of {@code frame}, size prefix included (usually matching the mutated frame, not always). */
    static byte[] mutate(byte[] frame, Random random) {
        byte[] bytes = frame.clone();
        switch (random.nextInt(7)) {
            case 0 -> {
                for (int i = 1 + random.nextInt(4); i > 0; i--) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case 2 -> {
                byte[] inserted = new byte[1 + random.nextInt(16)];
                random.nextBytes(inserted);
                int at = random.nextInt(bytes.length + 1);
                bytes = KafkaFrames.concat(Arrays.copyOf(bytes, at), inserted,
                        Arrays.copyOfRange(bytes, at, bytes.length));
            }
            case 3 -> {
                int at = random.nextInt(bytes.length);
                byte value = INTERESTING[random.nextInt(INTERESTING.length)];
                for (int i = at; i < Math.min(bytes.length, at + 1 + random.nextInt(4)); i++) {
                    bytes[i] = value;
                }
            }
            case 4 -> {
                int from = random.nextInt(bytes.length);
                int to = Math.min(bytes.length, from + 1 + random.nextInt(32));
                bytes = KafkaFrames.concat(Arrays.copyOf(bytes, from), Arrays.copyOfRange(bytes, to, bytes.length));
            }
            case 5 -> {
                // Bytes after the body, which the broker ignores as Kafka's does: still a valid request.
                byte[] appended = new byte[1 + random.nextInt(16)];
                random.nextBytes(appended);
                bytes = KafkaFrames.concat(bytes, appended);
            }
            default -> {
                // unchanged: a valid request in the middle of the noise
            }
        }
        int roll = random.nextInt(100);
        int size = roll < 85 ? bytes.length : roll < 95 ? bytes.length + random.nextInt(17) - 8 : random.nextInt();
        return ByteBuffer.allocate(4 + bytes.length).putInt(size).put(bytes).array();
    }

    private static List<ConsumerRecord<String, String>> readAll(String bootstrap) {
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap)) {
            consumer.assign(List.of(LEDGER_0));
            consumer.seekToBeginning(List.of(LEDGER_0));
            long end = consumer.endOffsets(List.of(LEDGER_0)).get(LEDGER_0);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(LEDGER_0) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static void assertLedgerIsIntactPlusWholeStormBatches(List<ConsumerRecord<String, String>> records) {
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).offset()).isEqualTo(i);
        }
        for (int i = 0; i < LEDGER_RECORDS; i++) {
            assertThat(records.get(i).key()).isEqualTo("key-" + i);
            assertThat(records.get(i).value()).isEqualTo("value-" + i);
        }
        List<ConsumerRecord<String, String>> appended = records.subList(LEDGER_RECORDS, records.size() - 1);
        assertThat(appended.size() % STORM_BATCH_RECORDS).isZero();
        for (int i = 0; i < appended.size(); i++) {
            int j = i % STORM_BATCH_RECORDS;
            assertThat(appended.get(i).key()).isEqualTo("storm-key-" + j);
            assertThat(appended.get(i).value()).isEqualTo("storm-" + j);
        }
        assertThat(records.get(records.size() - 1).value()).isEqualTo("after-storm");
    }
}
