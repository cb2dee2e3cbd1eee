package io.tributary.broker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * Request/response over one {@link RawConnection}, for tests that need exact control over what goes on the wire
 * (a retried batch, a stale topic id) but only care about well-formed answers: requests come from kafka-clients'
 * builders, failures are unchecked.
 */
public final class WireClient implements AutoCloseable {
    private final RawConnection connection;

    private WireClient(RawConnection connection) {
        this.connection = connection;
    }

    /** Connects to {@code host:port}. */
    public static WireClient connect(String bootstrapServers) {
        return connect(bootstrapServers, null);
    }

    /** Connects to {@code host:port} from {@code localAddress} (any local address when null). */
    public static WireClient connect(String bootstrapServers, InetAddress localAddress) {
        try {
            return new WireClient(RawConnection.open(bootstrapServers, localAddress));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot connect to " + bootstrapServers, e);
        }
    }

    /** Sends the request at the newest version kafka-clients knows and waits for its answer. */
    public <T extends AbstractResponse> T send(AbstractRequest.Builder<?> builder) {
        return send(builder, builder.latestAllowedVersion());
    }

    /** Sends the request at {@code version} and waits for its answer. */
    public <T extends AbstractResponse> T send(AbstractRequest.Builder<?> builder, short version) {
        try {
            return connection.request(builder.build(version));
        } catch (IOException e) {
            throw new UncheckedIOException("No answer to " + builder.apiKey() + " v" + version, e);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing a test connection
        }
    }
}
