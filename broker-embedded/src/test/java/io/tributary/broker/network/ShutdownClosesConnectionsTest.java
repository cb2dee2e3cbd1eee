package io.tributary.broker.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.testing.KafkaFrames;
import io.tributary.broker.testing.RawConnection;
import io.tributary.broker.testing.TestBroker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that shuts down closes every client connection, also the ones whose requests keep its network threads
 * busy at that moment. A connection left open would never be answered: its client waits for its whole
 * {@code request.timeout.ms} (30 s for most) before it tries the restarted broker.
 */
class ShutdownClosesConnectionsTest {
    private static final int CONNECTIONS = 8;
    private static final int ROUNDS = 20;

    @TempDir
    Path dataDir;

    /**
     * Sends ApiVersions and reads the answer, over and over, counting the answers, until the connection ends (the
     * broker closed it, or the read timed out because nobody answers).
     */
    private static void keepBusy(RawConnection connection, AtomicInteger answers) {
        byte[] request = KafkaFrames.sized(KafkaFrames.frame(KafkaFrames.apiVersions(), 1));
        try {
            while (true) {
                connection.send(request);
                connection.readFrame();
                answers.incrementAndGet();
            }
        } catch (IOException e) {
            // The end of this connection.
        }
    }

    @Test
    void everyConnectionIsClosedWhenTheBrokerStopsWhileServingThem() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CONNECTIONS);
        try (TestBroker broker = TestBroker.start(dataDir)) {
            for (int round = 0; round < ROUNDS; round++) {
                var connections = new ArrayList<RawConnection>();
                var answers = new ArrayList<AtomicInteger>();
                var busy = new ArrayList<Future<?>>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    RawConnection connection = RawConnection.open(broker.bootstrapServers());
                    var answered = new AtomicInteger();
                    connections.add(connection);
                    answers.add(answered);
                    busy.add(clients.submit(() -> keepBusy(connection, answered)));
                }
                // Every connection has been answered: all of them are registered and busy.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> answers.stream().allMatch(answered -> answered.get() > 0));

                broker.restartOnSamePort();

                List<Boolean> closedInTime = new ArrayList<>();
                for (Future<?> client : busy) {
                    boolean finished;
                    try {
                        client.get(5, TimeUnit.SECONDS);
                        finished = true;
                    } catch (TimeoutException e) {
                        finished = false;
                    }
                    closedInTime.add(finished);
                }
                for (RawConnection connection : connections) {
                    connection.close();
                }
                assertThat(closedInTime).as("round %d: each connection closed by the stopping broker", round)
                        .containsOnly(true);
            }
        } finally {
            clients.shutdownNow();
            assertThat(clients.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
