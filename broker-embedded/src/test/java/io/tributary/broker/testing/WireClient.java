package io.tributary.broker.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One blocking connection that sends hand-built requests (kafka-clients' request builders) and parses the
 * answers, for tests that need exact control over what goes on the wire: a retried batch, a stale topic id.
 *
 * <pre>
 * request:  | size int32 | header (api key, version, correlation id, client id) | body |
 * response: | size int32 | header (correlation id) | body |
 * </pre>
 */
public final class WireClient implements AutoCloseable {
    private static final int TIMEOUT_MS = 15_000;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private int correlationId;

    private WireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    /** Connects to {@code host:port}. */
    public static WireClient connect(String bootstrapServers) {
        int colon = bootstrapServers.lastIndexOf(':');
        var address = new InetSocketAddress(bootstrapServers.substring(0, colon),
                Integer.parseInt(bootstrapServers.substring(colon + 1)));
        try {
            var socket = new Socket();
            socket.connect(address, TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            return new WireClient(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot connect to " + bootstrapServers, e);
        }
    }

    /** Sends the request at the newest version kafka-clients knows and waits for its answer. */
    public <T extends AbstractResponse> T send(AbstractRequest.Builder<?> builder) {
        return send(builder, builder.latestAllowedVersion());
    }

    /** Sends the request at {@code version} and waits for its answer. */
    @SuppressWarnings("unchecked")
    public <T extends AbstractResponse> T send(AbstractRequest.Builder<?> builder, short version) {
        AbstractRequest request = builder.build(version);
        var header = new RequestHeader(builder.apiKey(), version, "wire-client", ++correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        try {
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            return (T) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
        } catch (IOException e) {
            throw new UncheckedIOException("No answer to " + builder.apiKey() + " v" + version, e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test connection
        }
    }
}
