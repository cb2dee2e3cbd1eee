package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code connections.max.idle.ms} (issue 14 fault 10): a connection that neither sends nor receives anything for
 * that long is closed by the broker, as Kafka's network threads do; one in use, or waiting for the answer to a
 * request it sent (a long-poll fetch), is not.
 */
class IdleConnectionsTest {
    private static final long IDLE_MS = 1_000;

    @TempDir
    static Path dataDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start(dataDir, Map.of("connections.max.idle.ms", String.valueOf(IDLE_MS)));
        Clients.createTopic(broker.bootstrapServers(), "quiet", 1, Map.of());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void connectionIdleForConnectionsMaxIdleMsIsClosed() throws Exception {
        try (RawConnection connection = RawConnection.open(broker.bootstrapServers())) {
            assertThat(connection.<ApiVersionsResponse>request(KafkaFrames.apiVersions()).data().errorCode())
                    .isZero();
            long lastActivityNanos = System.nanoTime();

            assertThat(connection.closedByBroker(Duration.ofMillis(IDLE_MS * 5))).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivityNanos))
                    .as("closed after being idle for connections.max.idle.ms, ms").isGreaterThanOrEqualTo(IDLE_MS - 50);
        }
    }

    @Test
    void connectionInUseStaysOpenPastConnectionsMaxIdleMs() throws Exception {
        try (RawConnection connection = RawConnection.open(broker.bootstrapServers())) {
            long untilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IDLE_MS * 2);
            int answers = 0;
            // In use for twice the idle timeout: the timeout counts from the last activity, not from the connect.
            while (System.nanoTime() < untilNanos) {
                connection.request(KafkaFrames.apiVersions());
                answers++;
            }
            assertThat(answers).isGreaterThan(1);
            assertThat(connection.<ApiVersionsResponse>request(KafkaFrames.apiVersions()).data().errorCode())
                    .isZero();
        }
    }

    @Test
    void connectionAwaitingTheAnswerToALongPollIsNotIdle() throws Exception {
        int maxWaitMs = (int) (IDLE_MS * 2);
        var partitions = Map.of(new TopicPartition("quiet", 0),
                new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, -1, 1024, Optional.empty()));
        var fetch = FetchRequest.Builder.forConsumer((short) 12, maxWaitMs, Integer.MAX_VALUE, partitions)
                .build((short) 12);
        try (RawConnection connection = RawConnection.open(broker.bootstrapServers())) {
            connection.send(KafkaFrames.sized(KafkaFrames.frame(fetch, 7)));

            Optional<byte[]> answer = connection.readFrameUnlessClosed();

            assertThat(answer).as("the fetch answered at its max wait, not the connection closed").isPresent();
            assertThat(ByteBuffer.wrap(answer.get()).getInt()).isEqualTo(7);
        }
    }
}
