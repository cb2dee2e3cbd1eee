package io.tributary.broker.network;

import io.tributary.broker.api.CloseConnectionException;
import io.tributary.broker.api.RequestRouter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes one request frame at a time and keeps Kafka's per-connection ordering: a connection has at most one
 * request being handled; later ones queue, and responses leave in request order. When the queue reaches
 * {@code queued.max.requests} the connection stops reading (back-pressure) until it drains.
 *
 * <p>A frame that cannot be decoded (bad header, unknown API, version we do not serve, malformed body) closes
 * this connection only, as Kafka does. All state is confined to the channel's event loop.
 */
final class RequestChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestChannelHandler.class);

    private record Inbound(RequestContext context, AbstractRequest request, ByteBuf frame) {
    }

    private final RequestRouter router;
    private final Executor requestExecutor;
    private final int maxQueuedRequests;
    private final ArrayDeque<Inbound> queue = new ArrayDeque<>();
    private boolean busy;
    private boolean closed;
    private String connectionId;

    RequestChannelHandler(RequestRouter router, Executor requestExecutor, int maxQueuedRequests) {
        this.router = router;
        this.requestExecutor = requestExecutor;
        this.maxQueuedRequests = maxQueuedRequests;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        connectionId = ctx.channel().localAddress() + "-" + ctx.channel().remoteAddress();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        Inbound inbound;
        try {
            inbound = decode(ctx, frame);
        } catch (RuntimeException e) {
            log.debug("Closing {}: undecodable request ({})", connectionId, e.toString());
            frame.release();
            ctx.close();
            return;
        }
        queue.add(inbound);
        if (queue.size() >= maxQueuedRequests) {
            ctx.channel().config().setAutoRead(false);
        }
        if (!busy) {
            dispatchNext(ctx);
        }
    }

    private Inbound decode(ChannelHandlerContext ctx, ByteBuf frame) {
        RequestDecoder.Decoded decoded = RequestDecoder.decode(frame.nioBuffer(), router, connectionId,
                ctx.channel().remoteAddress());
        return new Inbound(decoded.context(), decoded.request(), frame);
    }

    private void dispatchNext(ChannelHandlerContext ctx) {
        Inbound inbound = queue.poll();
        if (inbound == null) {
            busy = false;
            if (!ctx.channel().config().isAutoRead() && !closed) {
                ctx.channel().config().setAutoRead(true);
            }
            return;
        }
        busy = true;
        try {
            requestExecutor.execute(() -> handle(ctx, inbound));
        } catch (RejectedExecutionException e) {
            inbound.frame().release();
            ctx.close();
        }
    }

    private void handle(ChannelHandlerContext ctx, Inbound inbound) {
        CompletableFuture<? extends AbstractResponse> future;
        try {
            future = router.handle(inbound.context(), inbound.request());
        } catch (RuntimeException | Error e) {
            // Anything escaping this task would leave the connection busy forever, and so would getErrorResponse
            // here, which can itself throw (kafka-clients dereferences nullable fields): respond() guards it.
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((response, error) -> ctx.executor().execute(() -> respond(ctx, inbound, response, error)));
    }

    private void respond(ChannelHandlerContext ctx, Inbound inbound, AbstractResponse response, Throwable error) {
        try {
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause instanceof CloseConnectionException) {
                log.debug("Closing {}: {}", connectionId, cause.getMessage());
                ctx.close();
                return;
            }
            if (cause instanceof ApiException) {
                // The client's error (a field no valid request carries): answered with its code, not an alert.
                log.debug("Answering {} from {} with an error: {}", inbound.context().header.apiKey(), connectionId,
                        cause.toString());
            } else if (error != null) {
                log.error("Error handling {} from {}", inbound.context().header.apiKey(), connectionId, error);
            }
            if (error != null) {
                response = inbound.request().getErrorResponse(0, cause);
            }
            if (response != null && !closed) {
                SendWriter.write(ctx, inbound.context().buildResponseSend(response));
            }
        } catch (Exception e) {
            log.warn("Closing {}: cannot send the {} response ({})", connectionId,
                    inbound.context().header.apiKey(), e.toString());
            ctx.close();
        } finally {
            inbound.frame().release();
        }
        dispatchNext(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        Inbound pending;
        while ((pending = queue.poll()) != null) {
            pending.frame().release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.warn("Closing {}: {}", connectionId, cause.getMessage());
        } else {
            log.debug("Closing {}: {}", connectionId, cause.toString());
        }
        ctx.close();
    }
}
