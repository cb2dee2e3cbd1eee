package io.tributary.broker.network;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker-wide account of requests read from the network and not yet answered, which bounds what they can
 * hold whatever the number of connections (Kafka's {@code queued.max.request.bytes} memory pool and its
 * {@code queued.max.requests} request queue):
 * <ul>
 *   <li><b>bytes</b>: a request's size is reserved here before its buffer is allocated, and given back once it has
 *       been handled (or its connection closed), so request buffers never hold more than {@code maxBytes};
 *   <li><b>queued</b>: a request counts from the moment its body is read until a request thread takes it up, at
 *       most {@code maxQueued} at once.
 * </ul>
 *
 * <p>A request that does not fit waits in line and its connection reads nothing meanwhile. The line is first come,
 * first served, also for requests that would fit: a large request is never overtaken forever by small ones. Since
 * every admitted request is eventually answered and gives its share back, and no single request is larger than
 * {@code maxBytes} ({@code queued.max.request.bytes} is at least {@code socket.request.max.bytes}), everyone in line
 * is admitted in the end.
 *
 * <p>Thread-safety: one lock, taken a few times per request (never per record); admission callbacks run outside it,
 * on the thread that gave the room back.
 */
final class QueuedRequests {
    private final long maxBytes;
    private final int maxQueued;
    private final ArrayDeque<Ticket> line = new ArrayDeque<>();
    private long usedBytes;
    private long peakBytes;
    private int queued;

    /** A request waiting for room: {@code onAdmitted} runs once it has been admitted. */
    static final class Ticket {
        private final int bytes;
        private final Runnable onAdmitted;

        private Ticket(int bytes, Runnable onAdmitted) {
            this.bytes = bytes;
            this.onAdmitted = onAdmitted;
        }
    }

    /**
     * @param maxBytes  {@link Long#MAX_VALUE} for no bound
     * @param maxQueued requests that may wait for a request thread at once
     */
    QueuedRequests(long maxBytes, int maxQueued) {
        this.maxBytes = maxBytes;
        this.maxQueued = maxQueued;
    }

    /**
     * Admits a request of {@code bytes}: now (null returned), or later, when room is given back, by running
     * {@code onAdmitted} (the returned ticket, which {@link #cancel} withdraws).
     */
    synchronized Ticket admit(int bytes, Runnable onAdmitted) {
        if (line.isEmpty() && fits(bytes)) {
            take(bytes);
            return null;
        }
        var ticket = new Ticket(bytes, onAdmitted);
        line.add(ticket);
        return ticket;
    }

    /** Withdraws a waiting request; false when it was admitted meanwhile (its callback runs or ran). */
    synchronized boolean cancel(Ticket ticket) {
        return line.remove(ticket);
    }

    /** A request thread took up a request: its place in the queue frees. */
    void takenUp() {
        List<Runnable> admitted;
        synchronized (this) {
            queued--;
            admitted = admitWaiting();
        }
        admitted.forEach(Runnable::run);
    }

    /** Gives back an admission that was never used (its connection closed before the request was read). */
    void returnUnused(int bytes) {
        List<Runnable> admitted;
        synchronized (this) {
            queued--;
            usedBytes -= bytes;
            admitted = admitWaiting();
        }
        admitted.forEach(Runnable::run);
    }

    /** A request no longer needs its {@code bytes} (handled, or dropped with its connection). */
    void release(int bytes) {
        List<Runnable> admitted;
        synchronized (this) {
            usedBytes -= bytes;
            admitted = admitWaiting();
        }
        admitted.forEach(Runnable::run);
    }

    private boolean fits(int bytes) {
        return bytes <= maxBytes - usedBytes && queued < maxQueued;
    }

    private void take(int bytes) {
        usedBytes += bytes;
        peakBytes = Math.max(peakBytes, usedBytes);
        queued++;
    }

    private List<Runnable> admitWaiting() {
        if (line.isEmpty()) {
            return List.of();
        }
        var admitted = new ArrayList<Runnable>();
        while (!line.isEmpty() && fits(line.peek().bytes)) {
            Ticket next = line.poll();
            take(next.bytes);
            admitted.add(next.onAdmitted);
        }
        return admitted;
    }

    /** Bytes of the requests admitted and not yet released. */
    synchronized long usedBytes() {
        return usedBytes;
    }

    /** The most {@link #usedBytes()} has been since the start. */
    synchronized long peakBytes() {
        return peakBytes;
    }

    /** Requests waiting for room. */
    synchronized int waiting() {
        return line.size();
    }
}
