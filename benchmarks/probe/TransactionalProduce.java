import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Tributary benchmark probe for Kafka transactions, two modes.
 *
 * <p>{@code produce}: one transactional producer ({@code enable.idempotence=true}, {@code acks=all}, otherwise the
 * client's defaults, as ProducerPerformance leaves them) writes RECORDS records of SIZE bytes to TOPIC in
 * transactions of PER_TXN records, committing each one: {@code beginTransaction()}, PER_TXN {@code send()}s without
 * waiting, {@code commitTransaction()} (which flushes the batches and waits for the coordinator's answer). The
 * clock starts after {@code initTransactions()} (coordinator lookup, InitProducerId: reported as {@code init_ms})
 * and stops when the last commit has returned. Kafka's ProducerPerformance only knows time-based transactions
 * ({@code --transaction-duration-ms}); this gives a fixed number of records per transaction instead. The payload
 * is ProducerPerformance's: SIZE random upper-case letters, one array for every record. Prints
 * {@code result records=.. txns=.. per_txn=.. elapsed_ms=.. records_per_s=.. txns_per_s=.. mb_per_s=.. init_ms=..
 * commit_avg_ms=.. commit_p50_ms=.. commit_p99_ms=.. commit_max_ms=..} (commit_*: the {@code commitTransaction()}
 * call alone, in fractional ms).
 *
 * <p>{@code e2e}: end-to-end latency through a {@code read_committed} consumer. The consumer ({@code assign()} on
 * partition 0 of TOPIC, no group, at the end of the partition) is set up like Kafka's EndToEndLatency tool sets
 * its own ({@code fetch.max.wait.ms=0}), and so is the producer ({@code linger.ms=0}; transactional, acks=all).
 * One record is in flight at a time: the clock starts just before {@code send()} (after the client-local
 * {@code beginTransaction()}), then {@code commitTransaction()}, then the consumer polls until that record arrives
 * (matched by a sequence number in its first 8 bytes); the clock stops when {@code poll()} returns it. WARMUP round
 * trips run first, unmeasured. Prints {@code result count=.. p50_ms=.. p99_ms=.. p999_ms=.. avg_ms=.. max_ms=..
 * commit_p50_ms=.. commit_avg_ms=.. init_ms=..} in fractional ms (nanoTime; EndToEndLatency prints whole ms);
 * commit_*: from just before {@code send()} until {@code commitTransaction()} returned.
 *
 * <p>usage: {@code TransactionalProduce produce 127.0.0.1:PORT TOPIC RECORDS PER_TXN SIZE TXN_ID [name=value ...]}
 * or {@code TransactionalProduce e2e 127.0.0.1:PORT TOPIC COUNT WARMUP SIZE TXN_ID [name=value ...]}; name=value
 * pairs are extra producer properties, {@code consumer.name=value} extra consumer properties (e2e). Errors print
 * {@code error ...} and exit with status 2.
 */
public final class TransactionalProduce {
    private static final long POLL_TIMEOUT_MS = 60_000;

    public static void main(String[] args) {
        if (args.length < 7 || !(args[0].equals("produce") || args[0].equals("e2e"))) {
            System.err.println("usage: TransactionalProduce produce 127.0.0.1:PORT TOPIC RECORDS PER_TXN SIZE TXN_ID [name=value ...]");
            System.err.println("       TransactionalProduce e2e 127.0.0.1:PORT TOPIC COUNT WARMUP SIZE TXN_ID [name=value ...]");
            System.exit(64);
        }
        String bootstrap = args[1];
        String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            throw new IllegalArgumentException("loopback addresses only, not " + bootstrap);
        }
        Properties extraProducer = new Properties();
        Properties extraConsumer = new Properties();
        for (String kv : Arrays.copyOfRange(args, 7, args.length)) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("not name=value: " + kv);
            }
            String name = kv.substring(0, eq);
            if (name.startsWith("consumer.")) {
                extraConsumer.put(name.substring("consumer.".length()), kv.substring(eq + 1));
            } else {
                extraProducer.put(name, kv.substring(eq + 1));
            }
        }
        try {
            if (args[0].equals("produce")) {
                produce(bootstrap, args[2], Long.parseLong(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                        args[6], extraProducer);
            } else {
                e2e(bootstrap, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                        args[6], extraProducer, extraConsumer);
            }
        } catch (Exception e) {
            System.out.println("error " + e);
            System.out.flush();
            System.exit(2);
        }
        System.out.flush();
    }

    private static void produce(String bootstrap, String topic, long records, int perTxn, int size, String txnId,
                                Properties extra) {
        if (records <= 0 || perTxn <= 0 || size <= 0) {
            throw new IllegalArgumentException("RECORDS, PER_TXN and SIZE must be > 0");
        }
        byte[] payload = new byte[size];
        Random random = new Random(0);
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (random.nextInt(26) + 65);
        }
        Properties p = producerConfig(bootstrap, txnId);
        p.putAll(extra);
        long txns = (records + perTxn - 1) / perTxn;
        long[] commitNs = new long[(int) txns];
        AtomicReference<Exception> sendError = new AtomicReference<>();
        long sent = 0;
        long start;
        long end;
        long initMs;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            long t = System.nanoTime();
            producer.initTransactions();
            initMs = (System.nanoTime() - t) / 1_000_000;
            start = System.nanoTime();
            for (int txn = 0; txn < txns; txn++) {
                producer.beginTransaction();
                long n = Math.min(perTxn, records - sent);
                for (long i = 0; i < n; i++) {
                    producer.send(new ProducerRecord<>(topic, payload), (metadata, e) -> {
                        if (e != null) {
                            sendError.compareAndSet(null, e);
                        }
                    });
                }
                sent += n;
                long c = System.nanoTime();
                producer.commitTransaction();
                commitNs[txn] = System.nanoTime() - c;
                if (sendError.get() != null) {
                    throw new IllegalStateException("a send failed in transaction " + txn + " (committed anyway?)",
                            sendError.get());
                }
            }
            end = System.nanoTime();
        }
        double elapsedS = Math.max(1, end - start) / 1e9;
        long[] sorted = commitNs.clone();
        Arrays.sort(sorted);
        System.out.printf("result records=%d txns=%d per_txn=%d elapsed_ms=%.0f records_per_s=%.0f txns_per_s=%.1f"
                        + " mb_per_s=%.2f init_ms=%d commit_avg_ms=%.3f commit_p50_ms=%.3f commit_p99_ms=%.3f"
                        + " commit_max_ms=%.3f%n",
                sent, txns, perTxn, elapsedS * 1000, sent / elapsedS, txns / elapsedS,
                sent * (double) size / elapsedS / (1024 * 1024), initMs, avg(commitNs) / 1e6,
                percentile(sorted, 0.5) / 1e6, percentile(sorted, 0.99) / 1e6, sorted[sorted.length - 1] / 1e6);
    }

    private static void e2e(String bootstrap, String topic, int count, int warmup, int size, String txnId,
                            Properties extraProducer, Properties extraConsumer) {
        if (count <= 0 || warmup < 0 || size < 8) {
            throw new IllegalArgumentException("COUNT must be > 0, WARMUP >= 0, SIZE >= 8");
        }
        Properties p = producerConfig(bootstrap, txnId);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");          // as EndToEndLatency
        p.putAll(extraProducer);
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "0");    // as EndToEndLatency
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.putAll(extraConsumer);

        byte[] payload = new byte[size];
        Random random = new Random(0);
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (random.nextInt(26) + 65);
        }
        long[] latencyNs = new long[count];
        long[] commitNs = new long[count];
        TopicPartition tp = new TopicPartition(topic, 0);
        long initMs;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp, Duration.ofSeconds(30));
            long t = System.nanoTime();
            producer.initTransactions();
            initMs = (System.nanoTime() - t) / 1_000_000;
            for (int i = -warmup; i < count; i++) {
                byte[] value = payload.clone();
                ByteBuffer.wrap(value).putLong(i);
                producer.beginTransaction();
                long t0 = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, 0, null, value));
                producer.commitTransaction();
                long t1 = System.nanoTime();
                long t2 = awaitRecord(consumer, i);
                if (i >= 0) {
                    latencyNs[i] = t2 - t0;
                    commitNs[i] = t1 - t0;
                }
            }
        }
        long[] sorted = latencyNs.clone();
        Arrays.sort(sorted);
        long[] sortedCommit = commitNs.clone();
        Arrays.sort(sortedCommit);
        System.out.printf("result count=%d warmup=%d p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f avg_ms=%.3f max_ms=%.3f"
                        + " commit_p50_ms=%.3f commit_avg_ms=%.3f init_ms=%d%n",
                count, warmup, percentile(sorted, 0.5) / 1e6, percentile(sorted, 0.99) / 1e6,
                percentile(sorted, 0.999) / 1e6, avg(latencyNs) / 1e6, sorted[count - 1] / 1e6,
                percentile(sortedCommit, 0.5) / 1e6, avg(commitNs) / 1e6, initMs);
    }

    /** Polls until the record with sequence number {@code seq} arrives; returns nanoTime of that poll's return. */
    private static long awaitRecord(KafkaConsumer<byte[], byte[]> consumer, long seq) {
        long deadline = System.currentTimeMillis() + POLL_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(POLL_TIMEOUT_MS));
            long now = System.nanoTime();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                long got = r.value() == null || r.value().length < 8 ? Long.MIN_VALUE : ByteBuffer.wrap(r.value()).getLong();
                if (got == seq) {
                    if (records.count() > 1) {
                        throw new IllegalStateException("poll returned " + records.count()
                                + " records with record " + seq + "; one at a time expected");
                    }
                    return now;
                }
                throw new IllegalStateException("expected record " + seq + ", got " + got + " at offset " + r.offset());
            }
        }
        throw new IllegalStateException("record " + seq + " did not arrive within " + POLL_TIMEOUT_MS + " ms");
    }

    private static Properties producerConfig(String bootstrap, String txnId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double avg(long[] values) {
        double sum = 0;
        for (long v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
