package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.metrics.RequestStats;
import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.TestBroker;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests pipelined on one connection (issue 14 fault 10). As in Kafka, the broker handles one request of a
 * connection at a time and reads the next only once the previous response has been sent: responses leave in
 * request order whatever each takes, and a client that stops reading its responses gets nothing more handled (its
 * unsent responses would otherwise pile up in the broker).
 */
class PipelinedRequestsTest {
    private static final int RECORD_BYTES = 900 * 1024;
    /** Records of the "wide" topic: a fetch of all of them answers with about 8 MiB. */
    private static final int WIDE_RECORDS = 9;

    @TempDir
    static Path dataDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(dataDir);
        String bootstrap = broker.bootstrapServers();
        Clients.createTopic(bootstrap, "quiet", 1, Map.of());
        Clients.createTopic(bootstrap, "ordered", 1, Map.of());
        Clients.createTopic(bootstrap, "wide", 1, Map.of());
        try (Socket socket = connect(0)) {
            var random = new Random(42);
            for (int i = 0; i < WIDE_RECORDS; i++) {
                byte[] value = new byte[RECORD_BYTES];
                random.nextBytes(value);
                send(socket, KafkaFrames.produce("wide", MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord(KafkaFrames.utf8("k" + i), value)), (short) 1), i);
                readFrame(socket);
            }
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void responsesLeaveInRequestOrderWhateverEachTakes() throws Exception {
        List<AbstractRequest> requests = List.of(
                fetch("quiet", 0, 300, Integer.MAX_VALUE, 1024),              // parks 300 ms
                KafkaFrames.apiVersions(),
                KafkaFrames.metadata("ordered"),
                KafkaFrames.produce("ordered", KafkaFrames.records(Compression.NONE, "a", 3), (short) 1),
                KafkaFrames.produce("ordered", KafkaFrames.records(Compression.NONE, "b", 2), (short) 0), // no answer
                KafkaFrames.listOffsets("ordered", ListOffsetsRequest.LATEST_TIMESTAMP),
                fetch("ordered", 0, 0, 1, 1024 * 1024));
        try (Socket socket = connect(0)) {
            var pipelined = new byte[requests.size()][];
            for (int i = 0; i < requests.size(); i++) {
                pipelined[i] = KafkaFrames.sized(KafkaFrames.frame(requests.get(i), i));
            }
            socket.getOutputStream().write(KafkaFrames.concat(pipelined));

            var correlationIds = new ArrayList<Integer>();
            var responses = new ArrayList<AbstractResponse>();
            for (int i : List.of(0, 1, 2, 3, 5, 6)) {
                byte[] frame = readFrame(socket);
                correlationIds.add(ByteBuffer.wrap(frame).getInt());
                AbstractRequest request = requests.get(i);
                responses.add(AbstractResponse.parseResponse(ByteBuffer.wrap(frame),
                        new RequestHeader(request.apiKey(), request.version(), KafkaFrames.CLIENT_ID, i)));
            }

            assertThat(correlationIds).containsExactly(0, 1, 2, 3, 5, 6);
            var produce = (ProduceResponse) responses.get(3);
            assertThat(produce.data().responses().iterator().next().partitionResponses().get(0).baseOffset())
                    .isZero();
            // The acks=0 produce was handled, in order, before the ListOffsets behind it.
            var latest = (ListOffsetsResponse) responses.get(4);
            assertThat(latest.data().topics().get(0).partitions().get(0).offset()).isEqualTo(5);
            var fetched = (FetchResponse) responses.get(5);
            var partition = fetched.data().responses().get(0).partitions().get(0);
            assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.NONE);
            long records = 0;
            for (RecordBatch batch : ((MemoryRecords) partition.records()).batches()) {
                records += batch.nextOffset() - batch.baseOffset();
            }
            assertThat(records).isEqualTo(5);
        }
    }

    @Test
    void clientThatStopsReadingGetsNoFurtherRequestsHandled() throws Exception {
        int fetches = 12;
        long handledBefore = fetchesHandled();
        // A small receive buffer: the client's kernel holds little of what the broker sends.
        try (Socket socket = connect(32 * 1024)) {
            var pipelined = new ArrayList<byte[]>();
            for (int i = 0; i < fetches; i++) {
                pipelined.add(KafkaFrames.sized(KafkaFrames.frame(fetch("wide", 0, 0, 1, 16 * 1024 * 1024), i)));
            }
            socket.getOutputStream().write(KafkaFrames.concat(pipelined.toArray(byte[][]::new)));

            // Each answer is about 8 MiB, more than the kernel's socket buffers hold: the first one cannot be sent
            // whole while nobody reads, so the connection's next request is not read. A few are allowed for
            // kernels configured with very large buffers; a broker that reads on regardless handles all twelve.
            await().atMost(Duration.ofSeconds(10)).until(() -> fetchesHandled() > handledBefore);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> fetchesHandled() - handledBefore <= 3);

            // The client reads again: every answer arrives, in order, each with the whole topic.
            for (int i = 0; i < fetches; i++) {
                byte[] frame = readFrame(socket);
                assertThat(ByteBuffer.wrap(frame).getInt()).isEqualTo(i);
                AbstractRequest request = FetchRequest.Builder.forConsumer((short) 12, 0, 1, Map.of())
                        .build((short) 12);
                var response = (FetchResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(frame),
                        new RequestHeader(request.apiKey(), request.version(), KafkaFrames.CLIENT_ID, i));
                var records = (MemoryRecords) response.data().responses().get(0).partitions().get(0).records();
                int count = 0;
                for (RecordBatch batch : records.batches()) {
                    count += (int) (batch.nextOffset() - batch.baseOffset());
                }
                assertThat(count).isEqualTo(WIDE_RECORDS);
            }
            assertThat(fetchesHandled() - handledBefore).isEqualTo(fetches);
        }
    }

    private static long fetchesHandled() {
        return broker.broker().metrics().requests().stream().filter(stats -> stats.api().equals("FETCH"))
                .mapToLong(RequestStats::count).sum();
    }

    private static AbstractRequest fetch(String topic, long offset, int maxWaitMs, int minBytes, int maxBytes) {
        var partitions = Map.of(new TopicPartition(topic, 0),
                new FetchRequest.PartitionData(Uuid.ZERO_UUID, offset, -1, maxBytes, Optional.empty()));
        return FetchRequest.Builder.forConsumer((short) 12, maxWaitMs, minBytes, partitions)
                .setMaxBytes(maxBytes).build((short) 12);
    }

    private static Socket connect(int receiveBufferBytes) throws IOException {
        String bootstrap = broker.bootstrapServers();
        int colon = bootstrap.lastIndexOf(':');
        var socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress(bootstrap.substring(0, colon),
                Integer.parseInt(bootstrap.substring(colon + 1))), 5_000);
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static void send(Socket socket, AbstractRequest request, int correlationId) throws IOException {
        socket.getOutputStream().write(KafkaFrames.sized(KafkaFrames.frame(request, correlationId)));
    }

    private static byte[] readFrame(Socket socket) throws IOException {
        var in = new DataInputStream(socket.getInputStream());
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        return frame;
    }
}
