package io.tributary.broker.network;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NodeClient}'s connection to one other node, Kafka's {@code NetworkClient} for one destination:
 *
 * <pre>
 *  Disconnected ──a request──▶ Connecting ──connected──▶ Handshaking ──ApiVersions answered──▶ Ready
 *       ▲  (not before the backoff ends)                                                         │
 *       └── connect refused or timed out, link cut, connection closed, a request timed out ◀─────┘
 * </pre>
 *
 * <p>Requests wait in a queue until the connection is Ready, then go out in order, each at the highest version both
 * sides know, with its own correlation id; responses come back in order. Every request has a deadline
 * (request timeout) from the moment it was handed over: one that passes it fails with a TimeoutException, and if
 * it was sent the connection is closed, as Kafka's client does, since the answers behind it would be late too.
 * When the connection fails, everything queued or in flight fails with a DisconnectException, and the next
 * connection attempt waits for an exponential backoff (Kafka's reconnect.backoff.ms 50 ms doubling to
 * reconnect.backoff.max.ms 1 s, 20% jitter).
 *
 * <pre>
 * frames     LengthFieldBasedFrameDecoder   int32 size prefix, at most MAX_RESPONSE_BYTES
 * responses  ResponseHandler                correlation id → the request waiting for it; parsed by kafka-clients
 * </pre>
 *
 * <p>Thread-safety: every field is used on {@code loop} only, the event loop of this connection's channels;
 * callers hand work over with {@code loop.execute}, so no caller waits. Futures complete on {@code loop}.
 */
final class NodeConnection {
    private static final Logger log = LoggerFactory.getLogger(NodeConnection.class);
    /**
     * The largest response frame accepted: far above a Fetch response's bound (replica.fetch.response.max.bytes,
     * 10 MiB by default, plus one batch of message.max.bytes per partition), only to stop a broken peer.
     */
    static final int MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
    private static final long RECONNECT_BACKOFF_MS = 50;
    private static final long RECONNECT_BACKOFF_MAX_MS = 1_000;
    private static final double RECONNECT_JITTER = 0.2;

    /** Where the connection stands; {@code failures} counts connection failures in a row, for the backoff. */
    private sealed interface State permits Disconnected, Connecting, Handshaking, Ready {
    }

    private record Disconnected(int failures, long retryAtNanos) implements State {
    }

    private record Connecting(Channel channel, int failures) implements State {
    }

    private record Handshaking(Channel channel, int failures) implements State {
    }

    private record Ready(Channel channel, Map<ApiKeys, ApiVersion> versions) implements State {
    }

    /** A request handed over, waiting to go out or for its answer. */
    private static final class Pending {
        final AbstractRequest.Builder<?> builder;
        final CompletableFuture<AbstractResponse> future;
        ScheduledFuture<?> deadline;
        /** Set once it is written: its correlation id and version, to parse the answer. */
        RequestHeader header;

        Pending(AbstractRequest.Builder<?> builder, CompletableFuture<AbstractResponse> future) {
            this.builder = builder;
            this.future = future;
        }

        void fail(RuntimeException cause) {
            deadline.cancel(false);
            future.completeExceptionally(cause);
        }
    }

    private final Endpoint endpoint;
    private final EventLoop loop;
    private final String clientId;
    private final int localNodeId;
    private final int connectTimeoutMs;
    private final long requestTimeoutMs;
    private final LinkFilter linkFilter;
    private final ArrayDeque<Pending> queued = new ArrayDeque<>();
    private final Map<Integer, Pending> inFlight = new LinkedHashMap<>();
    private State state = new Disconnected(0, 0);
    private ScheduledFuture<?> connectTimer;
    private int nextCorrelationId;
    private boolean closed;

    NodeConnection(Endpoint endpoint, EventLoop loop, String clientId, int localNodeId, int connectTimeoutMs,
                   long requestTimeoutMs, LinkFilter linkFilter) {
        this.endpoint = endpoint;
        this.loop = loop;
        this.clientId = clientId;
        this.localNodeId = localNodeId;
        this.connectTimeoutMs = connectTimeoutMs;
        this.requestTimeoutMs = requestTimeoutMs;
        this.linkFilter = linkFilter;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** Hands {@code builder} over; {@code future} completes with its response or fails. Never blocks. */
    void send(AbstractRequest.Builder<?> builder, CompletableFuture<AbstractResponse> future) {
        try {
            loop.execute(() -> enqueue(new Pending(builder, future)));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new DisconnectException("The event loop of the client to " + endpoint
                    + " is shut down"));
        }
    }

    /** Closes the connection and fails whatever is queued or in flight; later requests fail at once. */
    void close() {
        try {
            loop.execute(this::closeNow);
        } catch (RejectedExecutionException e) {
            // The loop is gone, and its channels with it.
        }
    }

    private void enqueue(Pending pending) {
        pending.deadline = loop.schedule(() -> deadlinePassed(pending), requestTimeoutMs, TimeUnit.MILLISECONDS);
        if (closed) {
            pending.fail(new DisconnectException("The client to " + endpoint + " is closed"));
        } else if (state instanceof Ready ready) {
            transmit(ready.channel(), ready.versions(), pending);
        } else {
            queued.add(pending);
            if (state instanceof Disconnected disconnected && connectTimer == null) {
                long delayNanos = disconnected.retryAtNanos() - System.nanoTime();
                if (delayNanos <= 0) {
                    connect(disconnected.failures());
                } else {
                    connectTimer = loop.schedule(this::connectAfterBackoff, delayNanos, TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private void connectAfterBackoff() {
        connectTimer = null;
        if (!closed && state instanceof Disconnected disconnected && !queued.isEmpty()) {
            connect(disconnected.failures());
        }
    }

    private void connect(int failures) {
        if (!linkFilter.allows(localNodeId, endpoint.nodeId())) {
            failed(null, failures, new DisconnectException("Cannot connect to " + endpoint + ": the link is cut"));
            return;
        }
        ChannelFuture connecting = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline()
                                .addLast("frames", new LengthFieldBasedFrameDecoder(MAX_RESPONSE_BYTES, 0, 4, 0, 4))
                                .addLast("responses", new ResponseHandler());
                    }
                })
                .connect(endpoint.host(), endpoint.port());
        Channel channel = connecting.channel();
        state = new Connecting(channel, failures);
        connecting.addListener(done -> {
            if (!(state instanceof Connecting current) || current.channel() != channel) {
                channel.close();
            } else if (!done.isSuccess()) {
                failed(channel, failures, new DisconnectException("Cannot connect to " + endpoint + ": "
                        + done.cause(), done.cause()));
            } else {
                state = new Handshaking(channel, failures);
                handshake(channel, ApiKeys.API_VERSIONS.latestVersion());
            }
        });
    }

    /** Asks the node which API versions it serves (Kafka's client does the same on every new connection). */
    private void handshake(Channel channel, short version) {
        var pending = new Pending(new ApiVersionsRequest.Builder(), new CompletableFuture<>());
        pending.deadline = loop.schedule(() -> deadlinePassed(pending), requestTimeoutMs, TimeUnit.MILLISECONDS);
        pending.future.whenComplete((response, error) -> {
            if (error == null) {
                handshakeAnswered(channel, version, (ApiVersionsResponse) response);
            }
        });
        write(channel, pending, pending.builder.build(version));
    }

    private void handshakeAnswered(Channel channel, short version, ApiVersionsResponse response) {
        if (!(state instanceof Handshaking current) || current.channel() != channel) {
            return;
        }
        Errors error = Errors.forCode(response.data().errorCode());
        ApiVersion apiVersions = response.data().apiKeys().find(ApiKeys.API_VERSIONS.id);
        if (error == Errors.UNSUPPORTED_VERSION && apiVersions != null && apiVersions.maxVersion() < version) {
            // The node is older: it answered in v0 with the versions it has; ask again at its newest (KIP-511).
            handshake(channel, apiVersions.maxVersion());
            return;
        }
        if (error != Errors.NONE) {
            failed(channel, current.failures(), new DisconnectException("ApiVersions to " + endpoint + " failed: "
                    + error));
            return;
        }
        Map<ApiKeys, ApiVersion> versions = new EnumMap<>(ApiKeys.class);
        for (ApiVersion served : response.data().apiKeys()) {
            if (ApiKeys.hasId(served.apiKey())) {
                versions.put(ApiKeys.forId(served.apiKey()), served);
            }
        }
        if (current.failures() > 0) {
            log.info("Connected to {} again", endpoint);
        }
        state = new Ready(channel, versions);
        while (!queued.isEmpty() && state instanceof Ready) {
            transmit(channel, versions, queued.poll());
        }
    }

    /** Sends a request at the highest version both this client and the node know. */
    private void transmit(Channel channel, Map<ApiKeys, ApiVersion> versions, Pending pending) {
        AbstractRequest request;
        try {
            request = pending.builder.build(version(pending.builder, versions));
        } catch (RuntimeException e) {
            pending.fail(e);
            return;
        }
        write(channel, pending, request);
    }

    private short version(AbstractRequest.Builder<?> builder, Map<ApiKeys, ApiVersion> versions) {
        ApiVersion served = versions.get(builder.apiKey());
        if (served == null) {
            throw new UnsupportedVersionException(endpoint + " does not serve " + builder.apiKey());
        }
        short newest = (short) Math.min(builder.latestAllowedVersion(), served.maxVersion());
        if (newest < Math.max(builder.oldestAllowedVersion(), served.minVersion())) {
            throw new UnsupportedVersionException(endpoint + " serves " + builder.apiKey() + " v"
                    + served.minVersion() + " to v" + served.maxVersion() + "; this client sends v"
                    + builder.oldestAllowedVersion() + " to v" + builder.latestAllowedVersion());
        }
        return newest;
    }

    /**
     * Writes one request frame (size, header, body; the header and body as kafka-clients serializes them, not
     * copied again). On a cut link it is lost instead and its deadline fails it.
     */
    private void write(Channel channel, Pending pending, AbstractRequest request) {
        int correlationId = nextCorrelationId++;
        pending.header = new RequestHeader(request.apiKey(), request.version(), clientId, correlationId);
        inFlight.put(correlationId, pending);
        if (!linkFilter.allows(localNodeId, endpoint.nodeId())) {
            return;
        }
        ByteBuffer message = request.serializeWithHeader(pending.header);
        ByteBuf frame = Unpooled.wrappedBuffer(Unpooled.buffer(4).writeInt(message.remaining()),
                Unpooled.wrappedBuffer(message));
        channel.writeAndFlush(frame).addListener(done -> {
            if (!done.isSuccess()) {
                failed(channel, 0, new DisconnectException("Cannot send to " + endpoint + ": " + done.cause(),
                        done.cause()));
            }
        });
    }

    private void received(Channel channel, ByteBuf frame) {
        ByteBuffer bytes;
        try {
            if (channel != currentChannel() || !linkFilter.allows(endpoint.nodeId(), localNodeId)) {
                return; // a closed connection's, or lost on a cut link: the request's deadline fails it
            }
            // One copy out of Netty's buffer: the response (a Fetch response's records too) keeps referring to it.
            bytes = ByteBuffer.allocate(frame.readableBytes());
            frame.readBytes(bytes);
            bytes.flip();
        } finally {
            frame.release();
        }
        int correlationId = bytes.getInt(0);
        Pending pending = inFlight.remove(correlationId);
        if (pending == null) {
            failed(channel, 0, new DisconnectException("A response from " + endpoint + " with correlation id "
                    + correlationId + ", which no request is waiting for"));
            return;
        }
        pending.deadline.cancel(false);
        AbstractResponse response;
        try {
            response = AbstractResponse.parseResponse(bytes, pending.header);
        } catch (RuntimeException e) {
            pending.future.completeExceptionally(e);
            failed(channel, 0, new DisconnectException("An unreadable response from " + endpoint + ": " + e, e));
            return;
        }
        pending.future.complete(response);
    }

    private void deadlinePassed(Pending pending) {
        if (queued.remove(pending)) {
            pending.future.completeExceptionally(new TimeoutException("No connection to " + endpoint + " within the "
                    + requestTimeoutMs + " ms request timeout"));
            return;
        }
        if (pending.header != null && inFlight.remove(pending.header.correlationId(), pending)) {
            pending.future.completeExceptionally(new TimeoutException("No answer to " + pending.header.apiKey()
                    + " from " + endpoint + " within the " + requestTimeoutMs + " ms request timeout"));
            Channel channel = currentChannel();
            if (channel != null) {
                failed(channel, 0, new DisconnectException("Disconnected from " + endpoint
                        + " after a request timed out"));
            }
        }
    }

    /**
     * The connection over {@code channel} (null: the attempt that never got one) failed: it closes, whatever is
     * queued or in flight fails with {@code cause}, and the next attempt waits for the backoff.
     */
    private void failed(Channel channel, int failuresBefore, DisconnectException cause) {
        if (channel != null && channel != currentChannel()) {
            return;
        }
        int failures = (state instanceof Ready ? 0 : Math.max(failuresBefore, failuresOf(state))) + 1;
        if (failures == 1) {
            log.info("{}", cause.getMessage());
        } else {
            log.debug("{} (failure {} in a row)", cause.getMessage(), failures);
        }
        state = new Disconnected(failures, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs(failures)));
        if (channel != null) {
            channel.close();
        }
        failAll(cause);
    }

    private static int failuresOf(State state) {
        if (state instanceof Connecting connecting) {
            return connecting.failures();
        }
        if (state instanceof Handshaking handshaking) {
            return handshaking.failures();
        }
        return state instanceof Disconnected disconnected ? disconnected.failures() : 0;
    }

    /** Kafka's ExponentialBackoff(reconnect.backoff.ms, 2, reconnect.backoff.max.ms, 0.2). */
    private static long backoffMs(int failures) {
        double term = RECONNECT_BACKOFF_MS * Math.pow(2, Math.min(failures - 1, 20));
        double jitter = 1 + RECONNECT_JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return (long) (Math.min(term, RECONNECT_BACKOFF_MAX_MS) * jitter);
    }

    private void failAll(RuntimeException cause) {
        List<Pending> failing = new ArrayList<>(inFlight.values());
        failing.addAll(queued);
        inFlight.clear();
        queued.clear();
        for (Pending pending : failing) {
            pending.fail(cause);
        }
    }

    private Channel currentChannel() {
        if (state instanceof Ready ready) {
            return ready.channel();
        }
        if (state instanceof Handshaking handshaking) {
            return handshaking.channel();
        }
        return state instanceof Connecting connecting ? connecting.channel() : null;
    }

    private void closeNow() {
        closed = true;
        if (connectTimer != null) {
            connectTimer.cancel(false);
            connectTimer = null;
        }
        Channel channel = currentChannel();
        state = new Disconnected(0, Long.MAX_VALUE);
        if (channel != null) {
            channel.close();
        }
        failAll(new DisconnectException("The client to " + endpoint + " is closed"));
    }

    /** The end of the pipeline: response frames, and the connection's end. */
    private final class ResponseHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            received(ctx.channel(), (ByteBuf) message);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            failed(ctx.channel(), 0, new DisconnectException("The connection to " + endpoint + " closed"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(ctx.channel(), 0, new DisconnectException("The connection to " + endpoint + " failed: " + cause,
                    cause));
        }
    }
}
