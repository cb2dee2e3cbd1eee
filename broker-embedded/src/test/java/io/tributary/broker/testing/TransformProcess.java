package io.tributary.broker.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * A consume-transform-produce application in a JVM of its own (KIP-98's exactly-once loop), so a test can kill it
 * with SIGKILL mid-transaction: a read_committed group consumer reads {@code in}, a transactional producer writes
 * {@code "processed-" + value} with the same key to the same partition of {@code out} and commits the consumed
 * offsets in the same transaction ({@code sendOffsetsToTransaction}). Each poll is one transaction.
 *
 * <p>Like a real service it survives its broker going away: on any error other than being fenced it closes its
 * clients and starts over; the new producer's {@code initTransactions} aborts whatever was left open, and the new
 * consumer resumes from the committed offsets. It prints {@code committed <n>} after every transaction.
 */
public final class TransformProcess implements AutoCloseable {
    private final ChildJvm child;

    private TransformProcess(ChildJvm child) {
        this.child = child;
    }

    public static TransformProcess start(Path outputDir, String bootstrapServers, String groupId,
                                         String transactionalId, String in, String out) {
        return new TransformProcess(ChildJvm.start(outputDir, "transform", TransformProcess.class,
                List.of(bootstrapServers, groupId, transactionalId, in, out)));
    }

    /** How many transactions the child committed so far. */
    public long committedTransactions() {
        return output().lines().filter(line -> line.startsWith("committed ")).count();
    }

    /** How many input records the child's committed transactions processed so far. */
    public long committedRecords() {
        return output().lines().filter(line -> line.startsWith("committed "))
                .mapToLong(line -> Long.parseLong(line.substring("committed ".length()).trim())).sum();
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

    /** The child: {@code bootstrapServers groupId transactionalId in out}; runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        String bootstrap = args[0];
        while (true) {
            try {
                run(bootstrap, args[1], args[2], args[3], args[4]);
            } catch (ProducerFencedException e) {
                System.out.println("fenced: " + e);
                return;
            } catch (RuntimeException e) {
                System.out.println("restarting after " + e);
                Thread.sleep(500);
            }
        }
    }

    private static void run(String bootstrap, String groupId, String transactionalId, String in, String out) {
        Map<String, Object> consumerConfig = Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
        try (KafkaConsumer<String, String> consumer = Clients.groupConsumer(bootstrap, groupId, consumerConfig);
             KafkaProducer<String, String> producer = Clients.producer(bootstrap,
                     Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId))) {
            producer.initTransactions();
            consumer.subscribe(List.of(in));
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
                for (ConsumerRecord<String, String> record : records) {
                    producer.send(new ProducerRecord<>(out, record.partition(), record.key(),
                            "processed-" + record.value()));
                    offsets.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
                System.out.println("committed " + records.count());
            }
        }
    }
}
