package io.tributary.broker.network;

import io.tributary.broker.api.CloseConnectionException;
import io.tributary.broker.api.RequestRouter;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes a request frame, handles it (on this network thread for the APIs in {@code inlineApis}, else on a request
 * thread), and sends the response. {@link RequestFrameDecoder} passes one frame at a time and reads the next only
 * once this handler reports the response sent ({@link RequestFrame#answered()}, when the last byte went to the
 * socket), so a connection's responses leave in request order, as Kafka's do.
 *
 * <p>Handling Produce and Fetch where they were read spares each of them two thread hand-offs (a request thread
 * woken to handle it, the network thread woken to send the answer). Neither waits on anything but its partitions'
 * locks and page-cache writes and reads: a produce waiting for acks=all replicas and a fetch waiting for data park in
 * their purgatories and are answered from whichever thread completes them. On two cores, 3 nodes at acks=all spent
 * about a sixth of their CPU switching to and waking threads (perf), and handling these two inline cut the CPU per
 * record by 15-25%. Every other API (some wait on the controller, a coordinator's load or the disk) goes to the
 * request threads, as in Kafka.
 *
 * <p>A frame that cannot be decoded (bad header, unknown API, version we do not serve, malformed body) closes
 * this connection only, as Kafka does. All state is confined to the channel's event loop.
 */
final class RequestChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestChannelHandler.class);

    private record Inbound(RequestContext context, AbstractRequest request, RequestFrame frame) {
    }

    private final RequestRouter router;
    private final Executor requestExecutor;
    private final Set<ApiKeys> inlineApis;
    private boolean closed;
    private String connectionId;

    RequestChannelHandler(RequestRouter router, Executor requestExecutor, Set<ApiKeys> inlineApis) {
        this.router = router;
        this.requestExecutor = requestExecutor;
        this.inlineApis = inlineApis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        connectionId = ctx.channel().localAddress() + "-" + ctx.channel().remoteAddress();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame frame = (RequestFrame) msg;
        Inbound inbound;
        try {
            RequestDecoder.Decoded decoded = RequestDecoder.decode(frame.buffer().nioBuffer(), router, connectionId,
                    ctx.channel().remoteAddress());
            inbound = new Inbound(decoded.context(), decoded.request(), frame);
        } catch (RuntimeException e) {
            log.debug("Closing {}: undecodable request ({})", connectionId, e.toString());
            frame.release();
            ctx.close();
            return;
        }
        if (inlineApis.contains(inbound.context().header.apiKey())) {
            handle(ctx, inbound);
            return;
        }
        try {
            requestExecutor.execute(() -> handle(ctx, inbound));
        } catch (RejectedExecutionException e) {
            frame.release();
            ctx.close();
        }
    }

    private void handle(ChannelHandlerContext ctx, Inbound inbound) {
        inbound.frame().takenUp();
        CompletableFuture<? extends AbstractResponse> future;
        try {
            future = router.handle(inbound.context(), inbound.request());
        } catch (RuntimeException | Error e) {
            // Anything escaping this task would leave the connection waiting forever, and so would getErrorResponse
            // here, which can itself throw (kafka-clients dereferences nullable fields): respond() guards it.
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((response, error) -> ctx.executor().execute(() -> respond(ctx, inbound, response, error)));
    }

    private void respond(ChannelHandlerContext ctx, Inbound inbound, AbstractResponse response, Throwable error) {
        RequestFrame frame = inbound.frame();
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
            if (response == null || closed) {
                // acks=0 produce: Kafka sends nothing and reads the connection's next request.
                frame.answered();
                return;
            }
            var send = inbound.context().buildResponseSend(response);
            // The request's bytes are not needed for the response: they go back before it is written.
            frame.release();
            ChannelFuture sent = SendWriter.write(ctx, send);
            sent.addListener(written -> {
                if (written.isSuccess()) {
                    frame.answered();
                }
            });
        } catch (Exception e) {
            log.warn("Closing {}: cannot send the {} response ({})", connectionId,
                    inbound.context().header.apiKey(), e.toString());
            ctx.close();
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
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
