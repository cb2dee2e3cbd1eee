package io.tributary.broker.txn;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * Hands out producer ids for InitProducerId. Ids come from blocks reserved through the metadata log (so a
 * restarted node never reuses one); a new block is reserved when the current one runs out.
 * Thread-safe.
 */
public final class ProducerIdAllocator {
    static final int BLOCK_SIZE = 1000;

    private final LongFunction<CompletableFuture<Long>> reserveBlock;
    private long next;
    private long end;
    private CompletableFuture<Long> pending;

    /** @param reserveBlock reserves {@code n} ids and completes with the first id of the reserved range */
    public ProducerIdAllocator(LongFunction<CompletableFuture<Long>> reserveBlock) {
        this.reserveBlock = reserveBlock;
    }

    public synchronized CompletableFuture<Long> nextProducerId() {
        if (next < end) {
            return CompletableFuture.completedFuture(next++);
        }
        if (pending == null) {
            pending = reserveBlock.apply(BLOCK_SIZE);
        }
        return pending.thenCompose(start -> {
            synchronized (this) {
                if (next >= end && start >= end) {
                    next = start;
                    end = start + BLOCK_SIZE;
                }
                pending = null;
            }
            return nextProducerId();
        });
    }
}
