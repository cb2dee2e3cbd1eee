package io.tributary.broker.network;

import io.tributary.broker.api.RequestRouter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The Kafka listener: a Netty server whose per-connection pipeline reads top to bottom
 *
 * <pre>
 * idle     IdleStateHandler       nothing read or written for connections.max.idle.ms: an idle event
 * frames   RequestFrameDecoder    int32 size prefix (over socket.request.max.bytes closes the connection), admitted by
 *                                 the broker-wide QueuedRequests before its buffer is allocated; one request in
 *                                 flight, the next read once its response is sent and the channel is writable;
 *                                 closes the connection on the idle event unless it waits for the broker
 * requests RequestChannelHandler  header + body decode, handling (Produce and Fetch on this network thread unless
 *                                 configured otherwise, the rest on a request thread), the response written
 * </pre>
 *
 * <p>Memory: requests hold at most {@code queued.max.request.bytes} across all connections, plus per connection
 * what one socket read returns past a frame; responses are one per connection at a time, and fetched records are
 * sent from the segment files (zero-copy), not from the heap.
 */
public final class SocketServer implements AutoCloseable {
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel serverChannel;
    /** Every accepted connection, until it closes; once closed, the group closes any connection added later. */
    private final ChannelGroup connections;
    private final QueuedRequests queuedRequests;

    /**
     * The listener's settings.
     *
     * @param queuedMaxRequestBytes {@link Long#MAX_VALUE} for no bound
     * @param connectionsMaxIdleMs  0 or less: idle connections are never closed
     * @param inlineApis            handled on the network thread that read them (see {@link RequestChannelHandler})
     */
    public record Settings(String host, int port, int networkThreads, int maxRequestBytes, int queuedMaxRequests,
                           long queuedMaxRequestBytes, long connectionsMaxIdleMs, Set<ApiKeys> inlineApis) {
    }

    private SocketServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Channel serverChannel,
                         ChannelGroup connections, QueuedRequests queuedRequests) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.queuedRequests = queuedRequests;
    }

    public static SocketServer start(Settings settings, RequestRouter router, Executor requestExecutor)
            throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(settings.networkThreads(), NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup("tributary-connections", GlobalEventExecutor.INSTANCE,
                true);
        var queuedRequests = new QueuedRequests(settings.queuedMaxRequestBytes(), settings.queuedMaxRequests());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 256)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            connections.add(channel);
                            configure(channel.pipeline(), settings.maxRequestBytes(), settings.connectionsMaxIdleMs(),
                                    queuedRequests, router, requestExecutor, settings.inlineApis());
                        }
                    });
            String host = settings.host();
            int port = settings.port();
            ChannelFuture bind = bootstrap.bind(new InetSocketAddress(host, port)).await();
            if (!bind.isSuccess()) {
                throw new IllegalStateException("Cannot listen on " + host + ":" + port + ": "
                        + bind.cause().getMessage() + " (check the listeners config)", bind.cause());
            }
            return new SocketServer(boss, workers, bind.channel(), connections, queuedRequests);
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            throw e;
        }
    }

    /** Builds a connection's pipeline; handler tests build the same one on an {@code EmbeddedChannel}. */
    static void configure(ChannelPipeline pipeline, int maxRequestBytes, long connectionsMaxIdleMs,
                          QueuedRequests queuedRequests, RequestRouter router, Executor requestExecutor,
                          Set<ApiKeys> inlineApis) {
        if (connectionsMaxIdleMs > 0) {
            pipeline.addLast("idle", new IdleStateHandler(0, 0, connectionsMaxIdleMs, TimeUnit.MILLISECONDS));
        }
        pipeline.addLast("frames", new RequestFrameDecoder(maxRequestBytes, queuedRequests))
                .addLast("requests", new RequestChannelHandler(router, requestExecutor, inlineApis));
    }

    /** A connection's pipeline of its own: no bound on request bytes, no idle timeout. */
    static void configure(ChannelPipeline pipeline, int maxRequestBytes, int maxQueuedRequests, RequestRouter router,
                          Executor requestExecutor, Set<ApiKeys> inlineApis) {
        configure(pipeline, maxRequestBytes, 0, new QueuedRequests(Long.MAX_VALUE, maxQueuedRequests), router,
                requestExecutor, inlineApis);
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Bytes of requests read and not yet handled, over all connections (bounded by queued.max.request.bytes). */
    public long queuedRequestBytes() {
        return queuedRequests.usedBytes();
    }

    /** The most {@link #queuedRequestBytes()} has been since the listener started. */
    public long peakQueuedRequestBytes() {
        return queuedRequests.peakBytes();
    }

    /** Stops accepting connections (first step of shutdown). */
    public void stopAccepting() {
        serverChannel.close().awaitUninterruptibly();
    }

    /**
     * Closes every client connection, then stops the network threads. The connections are closed here rather than
     * left to the event loops' shutdown: Netty 4.2's {@code SingleThreadIoEventLoop} closes its channels only if
     * it sees the shutdown before its last {@code confirmShutdown()}, so a loop busy with requests when shutdown
     * begins can terminate with its sockets still open. Their clients would never be answered and would wait out
     * their {@code request.timeout.ms} before trying the broker again.
     */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        connections.close().awaitUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
