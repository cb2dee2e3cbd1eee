package io.tributary.broker.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A plain {@link Socket} to a broker that sends whatever bytes a test gives it and reads size-prefixed response
 * frames, for inputs no well-behaved client would produce. Reads are bounded by a socket timeout.
 */
public final class RawConnection implements AutoCloseable {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId = 1;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code host:port}. */
    public static RawConnection open(String bootstrapServers) throws IOException {
        return open(bootstrapServers, null);
    }

    /** Connects to {@code host:port} from {@code localAddress} (any local address when null). */
    public static RawConnection open(String bootstrapServers, InetAddress localAddress) throws IOException {
        int colon = bootstrapServers.lastIndexOf(':');
        var socket = new Socket();
        if (localAddress != null) {
            socket.bind(new InetSocketAddress(localAddress, 0));
        }
        socket.connect(new InetSocketAddress(bootstrapServers.substring(0, colon),
                Integer.parseInt(bootstrapServers.substring(colon + 1))), 5_000);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        socket.setTcpNoDelay(true);
        return new RawConnection(socket);
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends {@code request} with a fresh correlation id and parses the response to it. */
    public <R extends AbstractResponse> R request(AbstractRequest request) throws IOException {
        return request(request, new byte[0]);
    }

    /**
     * Sends {@code request} with a fresh correlation id and {@code bytesAfterTheBody} at the end of its frame (which
     * Kafka's broker ignores), and parses the response to it.
     */
    @SuppressWarnings("unchecked")
    public <R extends AbstractResponse> R request(AbstractRequest request, byte[] bytesAfterTheBody)
            throws IOException {
        int correlationId = nextCorrelationId++;
        send(KafkaFrames.sized(KafkaFrames.concat(KafkaFrames.frame(request, correlationId), bytesAfterTheBody)));
        var header = new RequestHeader(request.apiKey(), request.version(), KafkaFrames.CLIENT_ID, correlationId);
        return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(readFrame()), header);
    }

    /** The next response frame, without its size prefix. */
    public byte[] readFrame() throws IOException {
        int size = in.readInt();
        byte[] frame = new byte[size];
        in.readFully(frame);
        return frame;
    }

    /**
     * The next response frame, or empty when the broker closes the connection (end of stream or a reset) before
     * sending one. Silence past the read timeout still throws.
     */
    public Optional<byte[]> readFrameUnlessClosed() throws IOException {
        try {
            return Optional.of(readFrame());
        } catch (EOFException | SocketException closed) {
            return Optional.empty();
        }
    }

    /** What came back after a request: response bytes, the end of the connection, or nothing in time. */
    public enum Reply { RESPONSE, CLOSED, SILENCE }

    /** Waits up to {@code timeout} for response bytes (discarded) or the broker closing the connection. */
    public Reply awaitReply(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            return in.read(new byte[8192]) < 0 ? Reply.CLOSED : Reply.RESPONSE;
        } catch (SocketTimeoutException e) {
            return Reply.SILENCE;
        } catch (SocketException e) {
            return Reply.CLOSED;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            }
        }
    }

    /**
     * Whether the broker closes this connection within {@code timeout}: reads (discarding any responses) until
     * end of stream or a reset. False when the connection is still open when the time is up.
     */
    public boolean closedByBroker(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buffer = new byte[4096];
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
            try {
                if (in.read(buffer) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // still open; keep waiting
            } catch (EOFException | SocketException e) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
