package io.tributary.broker.network;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's bytes (the frame after its int32 size prefix), admitted by {@link QueuedRequests} and passed from
 * {@link RequestFrameDecoder} to {@link RequestChannelHandler}, which reports its three milestones:
 *
 * <pre>
 * takenUp()   a request thread started on it          its place in the request queue frees
 * release()   handled (or dropped)                     its buffer and its bytes go back
 * answered()  its response was sent (or it has none)   the connection reads its next request
 * </pre>
 *
 * Each milestone counts once; {@code release()} also frees the queue place of a request never taken up, and
 * {@code answered()} implies {@code release()}.
 */
final class RequestFrame {
    private final ByteBuf buffer;
    private final int bytes;
    private final QueuedRequests queue;
    private final Runnable readNext;
    private final AtomicBoolean takenUp = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final AtomicBoolean answered = new AtomicBoolean();

    /** {@code bytes} were admitted by {@code queue} for {@code buffer}, which this frame now owns. */
    RequestFrame(ByteBuf buffer, int bytes, QueuedRequests queue, Runnable readNext) {
        this.buffer = buffer;
        this.bytes = bytes;
        this.queue = queue;
        this.readNext = readNext;
    }

    /** The request's header and body; valid until {@link #release()}. */
    ByteBuf buffer() {
        return buffer;
    }

    void takenUp() {
        if (takenUp.compareAndSet(false, true)) {
            queue.takenUp();
        }
    }

    void release() {
        if (released.compareAndSet(false, true)) {
            buffer.release();
            takenUp();
            queue.release(bytes);
        }
    }

    void answered() {
        release();
        if (answered.compareAndSet(false, true)) {
            readNext.run();
        }
    }
}
