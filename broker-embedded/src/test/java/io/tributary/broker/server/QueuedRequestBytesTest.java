package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code queued.max.request.bytes} bounds the memory that requests read from the network hold until they are
 * answered, across every connection of the broker (issue 14 fault 10): many clients sending large produce
 * requests at once wait for memory instead of filling the heap, and every one of them is still served.
 *
 * <p>The pressure is made deterministic by raw connections that pipeline: each first sends a fetch that parks in
 * purgatory (nothing to read, {@code fetch.min.bytes} out of reach) and, behind it, several large produce requests.
 * A broker that reads a connection's next request before answering the previous one takes them all in while the
 * fetch waits; ours reads none of them until the fetch is answered, and then only as many at once, over all
 * connections, as the bound admits. Real producers send large batches meanwhile. Two witnesses are checked: the
 * broker's own account of queued request bytes, and, independently, the memory Netty's allocator (which every
 * request buffer comes from) holds during the run.
 */
class QueuedRequestBytesTest {
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;
    private static final long QUEUED_MAX_REQUEST_BYTES = 4L * MAX_REQUEST_BYTES;
    private static final int RECORD_BYTES = 900 * 1024;
    private static final int RAW_CONNECTIONS = 8;
    private static final int PRODUCES_PER_CONNECTION = 4;
    private static final int PRODUCERS = 6;
    private static final int RECORDS_PER_PRODUCER = 6;
    private static final int FETCH_WAIT_MS = 1500;
    /**
     * What Netty may hold besides admitted request frames: a socket read buffer per connection (up to 64 KiB each,
     * 14 connections), responses being written, and the pooled allocator's chunks around them. Measured: about
     * 2 MiB; a broker reading every pipelined request holds some 60 MiB here.
     */
    private static final long NETTY_SLACK_BYTES = 8L * 1024 * 1024;

    @TempDir
    Path dataDir;

    @Test
    void manyClientsSendingLargeProduceRequestsStayWithinQueuedMaxRequestBytes() throws Exception {
        ByteBufAllocatorMetric allocator = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        ExecutorService clients = Executors.newCachedThreadPool();
        var sampling = new AtomicBoolean(true);
        var nettyPeak = new AtomicLong();
        try (TestBroker broker = TestBroker.start(dataDir, Map.of(
                "socket.request.max.bytes", String.valueOf(MAX_REQUEST_BYTES),
                "queued.max.request.bytes", String.valueOf(QUEUED_MAX_REQUEST_BYTES)))) {
            String bootstrap = broker.bootstrapServers();
            Clients.createTopic(bootstrap, "large", 1, Map.of());
            Clients.createTopic(bootstrap, "parking", 1, Map.of());
            long nettyBaseline = used(allocator);
            Future<?> sampler = clients.submit(() -> {
                while (sampling.get()) {
                    nettyPeak.accumulateAndGet(used(allocator), Math::max);
                    LockSupport.parkNanos(200_000);
                }
            });

            var work = new ArrayList<Future<List<String>>>();
            for (int c = 0; c < RAW_CONNECTIONS; c++) {
                work.add(clients.submit(pipelining(bootstrap, c, clients)));
            }
            for (int p = 0; p < PRODUCERS; p++) {
                work.add(clients.submit(producing(bootstrap, p)));
            }
            var outcomes = new ArrayList<String>();
            for (Future<List<String>> client : work) {
                outcomes.addAll(client.get(120, TimeUnit.SECONDS));
            }
            sampling.set(false);
            sampler.get(10, TimeUnit.SECONDS);

            assertThat(outcomes).as("every request of every client answered, in order, without an error")
                    .hasSize(RAW_CONNECTIONS * (1 + PRODUCES_PER_CONNECTION) + PRODUCERS * RECORDS_PER_PRODUCER)
                    .containsOnly("NONE");
            assertThat(broker.broker().metrics().recordsInPerTopic().get("large"))
                    .isEqualTo(RAW_CONNECTIONS * PRODUCES_PER_CONNECTION + PRODUCERS * RECORDS_PER_PRODUCER);
            var network = broker.broker().socketServer();
            assertThat(network.peakQueuedRequestBytes()).as("the broker's own account never passed the bound")
                    .isLessThanOrEqualTo(QUEUED_MAX_REQUEST_BYTES)
                    .as("the bound was reached: connections had to wait for memory")
                    .isGreaterThan(QUEUED_MAX_REQUEST_BYTES - MAX_REQUEST_BYTES);
            assertThat(network.queuedRequestBytes()).as("every answered request gave its bytes back").isZero();
            assertThat(nettyPeak.get() - nettyBaseline).as("memory Netty's allocator held during the run")
                    .isLessThanOrEqualTo(QUEUED_MAX_REQUEST_BYTES + NETTY_SLACK_BYTES);
        } finally {
            sampling.set(false);
            clients.shutdownNow();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * Netty's direct memory (pooled chunks and buffers allocated for themselves alike, as counted by Netty) and its
     * pooled heap memory.
     */
    private static long used(ByteBufAllocatorMetric allocator) {
        return Math.max(PlatformDependent.usedDirectMemory(), allocator.usedDirectMemory())
                + allocator.usedHeapMemory();
    }

    /**
     * One raw connection: a fetch that parks for {@link #FETCH_WAIT_MS}, then {@link #PRODUCES_PER_CONNECTION}
     * produce requests of one large record each, all sent at once by a writer thread while this thread reads the
     * answers. Returns each answer's error name, in the order they came; a response out of order is a failure.
     */
    private static Callable<List<String>> pipelining(String bootstrap, int connectionIndex, ExecutorService threads) {
        return () -> {
            var requests = new ArrayList<AbstractRequest>();
            requests.add(parkedFetch());
            for (int i = 0; i < PRODUCES_PER_CONNECTION; i++) {
                var records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(
                        KafkaFrames.utf8("c" + connectionIndex + "-" + i), randomBytes(connectionIndex * 100 + i)));
                requests.add(KafkaFrames.produce("large", records, (short) 1));
            }
            try (RawConnection connection = RawConnection.open(bootstrap)) {
                Future<?> writer = threads.submit(() -> {
                    for (int i = 0; i < requests.size(); i++) {
                        connection.send(KafkaFrames.sized(KafkaFrames.frame(requests.get(i), i)));
                    }
                    return null;
                });
                var errors = new ArrayList<String>();
                for (int i = 0; i < requests.size(); i++) {
                    AbstractRequest request = requests.get(i);
                    byte[] frame = connection.readFrame();
                    int correlationId = ByteBuffer.wrap(frame).getInt();
                    assertThat(correlationId).as("response order on connection %d", connectionIndex).isEqualTo(i);
                    var header = new RequestHeader(request.apiKey(), request.version(), KafkaFrames.CLIENT_ID, i);
                    errors.add(error(AbstractResponse.parseResponse(ByteBuffer.wrap(frame), header)));
                }
                writer.get(10, TimeUnit.SECONDS);
                return errors;
            }
        };
    }

    private static AbstractRequest parkedFetch() {
        var partitions = Map.of(new TopicPartition("parking", 0),
                new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, -1, 1024, Optional.empty()));
        return FetchRequest.Builder.forConsumer((short) 12, FETCH_WAIT_MS, Integer.MAX_VALUE, partitions)
                .build((short) 12);
    }

    private static String error(AbstractResponse response) {
        if (response instanceof FetchResponse fetch) {
            return Errors.forCode(fetch.data().responses().get(0).partitions().get(0).errorCode()).name();
        }
        var produce = (ProduceResponse) response;
        return Errors.forCode(produce.data().responses().iterator().next().partitionResponses().get(0).errorCode())
                .name();
    }

    /** A producer sending {@link #RECORDS_PER_PRODUCER} large records, each in a request of its own. */
    private static Callable<List<String>> producing(String bootstrap, int producerIndex) {
        return () -> {
            var outcomes = new ArrayList<String>();
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES - 4096,
                    ProducerConfig.BATCH_SIZE_CONFIG, RECORD_BYTES,
                    ProducerConfig.LINGER_MS_CONFIG, 0))) {
                var sends = new ArrayList<Future<RecordMetadata>>();
                for (int i = 0; i < RECORDS_PER_PRODUCER; i++) {
                    String value = new String(randomLetters(producerIndex * 100 + i));
                    sends.add(producer.send(new ProducerRecord<>("large", "p" + producerIndex + "-" + i, value)));
                }
                for (Future<RecordMetadata> send : sends) {
                    send.get(60, TimeUnit.SECONDS);
                    outcomes.add("NONE");
                }
            }
            return outcomes;
        };
    }

    private static byte[] randomBytes(long seed) {
        byte[] bytes = new byte[RECORD_BYTES];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static char[] randomLetters(long seed) {
        var random = new Random(seed);
        char[] letters = new char[RECORD_BYTES - 1024];
        for (int i = 0; i < letters.length; i++) {
            letters[i] = (char) ('a' + random.nextInt(26));
        }
        return letters;
    }
}
