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
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The Kafka listener: a Netty server whose per-connection pipeline reads top to bottom
 *
 * <pre>
 * frames   LengthFieldBasedFrameDecoder  int32 size prefix; a frame over socket.request.max.bytes closes the connection
 * requests RequestChannelHandler         header + body decode, one request in flight, ordered responses
 * </pre>
 */
public final class SocketServer implements AutoCloseable {
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel serverChannel;
    /** Every accepted connection, until it closes; once closed, the group closes any connection added later. */
    private final ChannelGroup connections;

    private SocketServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Channel serverChannel,
                         ChannelGroup connections) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannel = serverChannel;
        this.connections = connections;
    }

    public static SocketServer start(String host, int port, int networkThreads, int maxRequestBytes,
                                     int maxQueuedRequests, RequestRouter router, Executor requestExecutor)
            throws InterruptedException {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(networkThreads, NioIoHandler.newFactory());
        ChannelGroup connections = new DefaultChannelGroup("tributary-connections", GlobalEventExecutor.INSTANCE,
                true);
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
                            configure(channel.pipeline(), maxRequestBytes, maxQueuedRequests, router, requestExecutor);
                        }
                    });
            ChannelFuture bind = bootstrap.bind(new InetSocketAddress(host, port)).await();
            if (!bind.isSuccess()) {
                throw new IllegalStateException("Cannot listen on " + host + ":" + port + ": "
                        + bind.cause().getMessage() + " (check the listeners config)", bind.cause());
            }
            return new SocketServer(boss, workers, bind.channel(), connections);
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            throw e;
        }
    }

    /** Builds a connection's pipeline; handler tests build the same one on an {@code EmbeddedChannel}. */
    static void configure(ChannelPipeline pipeline, int maxRequestBytes, int maxQueuedRequests, RequestRouter router,
                          Executor requestExecutor) {
        // The limit counts the 4-byte size prefix; saturate so socket.request.max.bytes=2147483647 stays valid.
        int maxFrameBytes = (int) Math.min((long) maxRequestBytes + 4, Integer.MAX_VALUE);
        pipeline.addLast("frames", new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4))
                .addLast("requests", new RequestChannelHandler(router, requestExecutor, maxQueuedRequests));
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
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
