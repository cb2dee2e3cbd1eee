import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Tributary benchmark consumer without a consumer group: reads NUM_RECORDS records of every partition of TOPIC
 * with assign() + seekToBeginning(), so it exercises Metadata, ListOffsets and Fetch only. Kafka's stock
 * ConsumerPerformance always joins a group; this one measures the fetch path of a broker that has none (yet)
 * and, run against both brokers, gives the same comparison. Client settings follow ConsumerPerformance's
 * (1 MiB per partition per fetch, 2 MiB socket receive buffer, no CRC checks).
 *
 * <p>usage: {@code AssignedConsumer 127.0.0.1:PORT TOPIC NUM_RECORDS TIMEOUT_MS} (TIMEOUT_MS: longest gap between
 * records). Prints {@code result records=.. bytes=.. setup_ms=.. fetch_ms=.. records_per_s=.. mb_per_s=..} or
 * {@code error ...} with exit status 2. Like ConsumerPerformance's fetch.* figures, the rates cover the time from
 * the assignment (after the metadata lookup; client construction and class loading excluded) to the last record;
 * setup_ms is the metadata lookup. MB = 2^20 bytes of record values, as Kafka's tools count.
 */
public final class AssignedConsumer {
    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: AssignedConsumer 127.0.0.1:PORT TOPIC NUM_RECORDS TIMEOUT_MS");
            System.exit(64);
        }
        String bootstrap = args[0];
        String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            throw new IllegalArgumentException("loopback addresses only, not " + bootstrap);
        }
        String topic = args[1];
        long wanted = Long.parseLong(args[2]);
        long gapMs = Long.parseLong(args[3]);

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024 * 1024);
        p.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, 2 * 1024 * 1024);
        p.put(ConsumerConfig.CHECK_CRCS_CONFIG, false);

        long records = 0;
        long bytes = 0;
        long start = 0;
        long assigned = 0;
        long lastRecord = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            start = System.currentTimeMillis();
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofMillis(gapMs))) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            assigned = System.currentTimeMillis();
            lastRecord = assigned;
            while (records < wanted) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                if (batch.isEmpty()) {
                    if (now - lastRecord > gapMs) {
                        System.out.printf("error no record for %d ms after %d of %d records%n", gapMs, records, wanted);
                        System.exit(2);
                    }
                    continue;
                }
                lastRecord = now;
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    records++;
                    bytes += r.serializedValueSize() > 0 ? r.serializedValueSize() : 0;
                    bytes += r.serializedKeySize() > 0 ? r.serializedKeySize() : 0;
                }
            }
        } catch (RuntimeException e) {
            System.out.printf("error %s after %d of %d records%n", e, records, wanted);
            System.exit(2);
        }
        long elapsed = Math.max(1, lastRecord - assigned);
        System.out.printf("result records=%d bytes=%d setup_ms=%d fetch_ms=%d records_per_s=%.0f mb_per_s=%.2f%n",
                records, bytes, assigned - start, elapsed, records * 1000.0 / elapsed,
                bytes * 1000.0 / elapsed / (1024 * 1024));
    }
}
