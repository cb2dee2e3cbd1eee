package io.tributary.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts one connection's bytes into request frames, holding as little as it can:
 *
 * <pre>
 * | size: int32 | request header and body: size bytes |
 * </pre>
 *
 * <ul>
 *   <li>a size over {@code socket.request.max.bytes}, or negative, closes the connection before anything is
 *       allocated;
 *   <li>the size must be admitted by the broker-wide {@link QueuedRequests} ({@code queued.max.request.bytes},
 *       {@code queued.max.requests}) before the frame's buffer, of exactly that size, is allocated; until then the
 *       connection is not read;
 *   <li>one request at a time, as Kafka's network threads do: once a frame is passed on, the connection is not
 *       read until its response has been sent ({@link RequestFrame#answered()}), nor while the channel is not
 *       writable, so neither requests nor responses pile up per connection;
 *   <li>a connection idle for {@code connections.max.idle.ms} (the {@code IdleStateHandler}'s event: nothing read
 *       or written) is closed, unless it is the broker it waits for (a request in flight, or room for the next).
 * </ul>
 *
 * So a connection holds at most one frame, plus what one socket read returned past it (Netty's receive buffer, at
 * most 64 KiB by default). A request's bytes are copied once, from the socket's read buffers into its frame. All
 * state is confined to the channel's event loop.
 */
final class RequestFrameDecoder extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestFrameDecoder.class);
    /**
     * Frames larger than this get a buffer of their own, freed when released, instead of one from the pooled
     * allocator: its chunks keep far more than the admitted bytes after a burst of large requests (measured with
     * Netty 4.2's adaptive allocator: 16 MiB held for six 900 KiB frames), which would defeat the bound.
     */
    private static final int POOLED_FRAME_MAX_BYTES = 64 * 1024;

    /** Where the connection is in reading its next request. */
    private enum State {
        /** Reading the next size prefix. */
        SIZE,
        /** The size is known; waiting for {@link QueuedRequests} to admit it. */
        ROOM,
        /** Admitted: reading the frame into its buffer. */
        BODY,
        /** The frame was passed on: waiting for its response to be sent. */
        IN_FLIGHT,
        /** Failed or closed: nothing more is read. */
        CLOSED
    }

    private final int maxRequestBytes;
    private final QueuedRequests queue;
    private ChannelHandlerContext ctx;
    private State state = State.SIZE;
    /** Bytes read from the socket and not yet moved into a frame. */
    private ByteBuf received;
    private int frameBytes;
    private QueuedRequests.Ticket ticket;
    private ByteBuf frame;
    /** True while {@link #decode()} runs: a frame's handler may answer it before {@code fireChannelRead} returns. */
    private boolean decoding;

    RequestFrameDecoder(int maxRequestBytes, QueuedRequests queue) {
        this.maxRequestBytes = maxRequestBytes;
        this.queue = queue;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf bytes = (ByteBuf) msg;
        if (state == State.CLOSED) {
            bytes.release();
            return;
        }
        received = received == null ? bytes
                : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), received, bytes);
        decode();
    }

    private void decode() {
        if (decoding) {
            return;
        }
        decoding = true;
        try {
            boolean progress = true;
            while (progress) {
                progress = switch (state) {
                    case SIZE -> readSize();
                    case BODY -> readBody();
                    case ROOM, IN_FLIGHT, CLOSED -> false;
                };
            }
        } finally {
            decoding = false;
        }
        if (received != null && !received.isReadable()) {
            received.release();
            received = null;
        }
        boolean wantsBytes = state == State.BODY || state == State.SIZE && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != wantsBytes) {
            ctx.channel().config().setAutoRead(wantsBytes);
        }
    }

    private boolean readSize() {
        if (!ctx.channel().isWritable() || received == null || received.readableBytes() < 4) {
            return false;
        }
        int size = received.readInt();
        if (size < 0) {
            fail(new CorruptedFrameException("Negative request size " + size));
            return false;
        }
        if (size > maxRequestBytes) {
            fail(new TooLongFrameException("A request of " + size + " bytes is over socket.request.max.bytes ("
                    + maxRequestBytes + ")"));
            return false;
        }
        frameBytes = size;
        ticket = queue.admit(size, this::admittedLater);
        if (ticket != null) {
            state = State.ROOM;
            return false;
        }
        return allocateFrame();
    }

    /** Runs on whichever thread gave room back. */
    private void admittedLater() {
        try {
            ctx.executor().execute(this::admitted);
        } catch (RejectedExecutionException e) {
            queue.returnUnused(frameBytes);
        }
    }

    private void admitted() {
        ticket = null;
        if (state != State.ROOM) {
            queue.returnUnused(frameBytes);
            return;
        }
        if (allocateFrame()) {
            decode();
        }
    }

    private boolean allocateFrame() {
        try {
            ByteBufAllocator allocator = frameBytes > POOLED_FRAME_MAX_BYTES
                    ? UnpooledByteBufAllocator.DEFAULT : ctx.alloc();
            frame = allocator.buffer(frameBytes, frameBytes);
        } catch (RuntimeException | OutOfMemoryError e) {
            queue.returnUnused(frameBytes);
            fail(e);
            return false;
        }
        state = State.BODY;
        return true;
    }

    private boolean readBody() {
        if (received != null) {
            frame.writeBytes(received, Math.min(received.readableBytes(), frame.writableBytes()));
        }
        if (frame.isWritable()) {
            return false;
        }
        var request = new RequestFrame(frame, frameBytes, queue, this::readNext);
        frame = null;
        state = State.IN_FLIGHT;
        ctx.fireChannelRead(request);
        return true;
    }

    /** The response to the frame in flight has been sent: go on with the next request. */
    private void readNext() {
        if (!ctx.executor().inEventLoop()) {
            try {
                ctx.executor().execute(this::readNext);
            } catch (RejectedExecutionException e) {
                // The network threads are stopping, and with them this connection.
            }
            return;
        }
        if (state == State.IN_FLIGHT) {
            state = State.SIZE;
            decode();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (state == State.SIZE) {
            decode();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (!(event instanceof IdleStateEvent)) {
            super.userEventTriggered(ctx, event);
            return;
        }
        // A client mid-frame is as idle as one between frames; one waiting for us (its answer, or room) is not.
        if (state == State.SIZE || state == State.BODY) {
            log.debug("Closing idle connection {} (connections.max.idle.ms)", ctx.channel());
            ctx.close();
        }
    }

    private void fail(Throwable cause) {
        discard();
        ctx.fireExceptionCaught(cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        discard();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard();
    }

    /**
     * Gives back everything this connection holds that no one else does. A frame in flight belongs to its handler;
     * an admission granted after the cancel arrives through {@link #admitted()}, which gives it back.
     */
    private void discard() {
        State previous = state;
        state = State.CLOSED;
        if (received != null) {
            received.release();
            received = null;
        }
        if (previous == State.BODY) {
            frame.release();
            frame = null;
            queue.returnUnused(frameBytes);
        } else if (previous == State.ROOM && queue.cancel(ticket)) {
            ticket = null;
        }
    }
}
