package io.tributary.broker.network;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A zero-copy slice of a segment file for Netty to {@code transferTo} the socket. Unlike Netty's
 * {@code DefaultFileRegion} it never closes the file: the segment owns its channel.
 */
final class FileSliceRegion extends AbstractReferenceCounted implements FileRegion {
    private final FileChannel file;
    private final long position;
    private final long count;
    private long transferred;

    FileSliceRegion(FileChannel file, long position, long count) {
        this.file = file;
        this.position = position;
        this.count = count;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Deprecated
    @Override
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferTo(WritableByteChannel target, long from) throws IOException {
        long remaining = count - from;
        if (remaining <= 0) {
            return 0;
        }
        long written = file.transferTo(position + from, remaining, target);
        if (written == 0 && position + from >= file.size()) {
            throw new EOFException("The segment file shrank below the slice being sent");
        }
        transferred += written;
        return written;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // The file belongs to its segment and stays open.
    }
}
