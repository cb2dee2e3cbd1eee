package io.tributary.broker.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Turns a kafka-clients {@link Send} (a response serialized by the generated codecs, size prefix included) into
 * Netty writes: header and field bytes as wrapped buffers, record data held in segment files as
 * {@link FileSliceRegion}s, so fetch responses go from page cache to socket without passing through the heap.
 */
final class SendWriter implements TransferableChannel {
    private final List<Object> parts = new ArrayList<>(4);

    /** Writes and flushes {@code send}; the future completes once its last byte has gone to the socket. */
    static ChannelFuture write(ChannelHandlerContext ctx, Send send) throws IOException {
        var writer = new SendWriter();
        while (!send.completed()) {
            send.writeTo(writer);
        }
        int last = writer.parts.size() - 1;
        for (int i = 0; i < last; i++) {
            ctx.write(writer.parts.get(i), ctx.voidPromise());
        }
        return ctx.writeAndFlush(writer.parts.get(last));
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) {
        parts.add(new FileSliceRegion(fileChannel, position, count));
        return count;
    }

    @Override
    public int write(ByteBuffer src) {
        int length = src.remaining();
        parts.add(Unpooled.wrappedBuffer(src.slice()));
        src.position(src.limit());
        return length;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
