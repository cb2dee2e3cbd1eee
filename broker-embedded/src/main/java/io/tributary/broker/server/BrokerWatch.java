package io.tributary.broker.server;

import io.tributary.broker.metadata.BrokerRegistration;
import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller's idle TCP connection to every unfenced broker's endpoint, so it learns that a broker's
 * process died the moment the kernel closes that connection (the peer's sockets are closed when its process exits),
 * instead of from missed heartbeats. A closed connection is only a hint: the caller probes the endpoint and fences
 * the broker only if it refuses connections. One selector thread watches all connections; it stops once
 * {@code lifetime} (the node's scheduler) is shut down.
 */
final class BrokerWatch {
    private static final Logger log = LoggerFactory.getLogger(BrokerWatch.class);
    private static final long SELECT_MS = 500;

    /** One watched broker registration: the broker and the epoch its connection is for. */
    private record Watched(int brokerId, long epoch) {
    }

    private final ExecutorService lifetime;
    private final Consumer<BrokerRegistration> onClosed;
    private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
    /** Only the selector thread touches these. */
    private final Map<Watched, SocketChannel> channels = new HashMap<>();
    private final Map<Watched, BrokerRegistration> registrations = new HashMap<>();
    /**
     * What the last {@link #watch} asked for, as the watch thread has it (the controller repeats the same set every
     * check); null when that is not known: at first, and after a connection was lost.
     */
    private Map<Watched, BrokerRegistration> lastWanted;
    private Selector selector;
    private Thread thread;

    /** @param onClosed called on the watch thread with the registration whose connection closed */
    BrokerWatch(ExecutorService lifetime, Consumer<BrokerRegistration> onClosed) {
        this.lifetime = lifetime;
        this.onClosed = onClosed;
    }

    /** Watches exactly {@code brokers} from now on (an empty list stops watching); returns at once. */
    synchronized void watch(Collection<BrokerRegistration> brokers) {
        if (thread == null) {
            if (brokers.isEmpty()) {
                return;
            }
            try {
                selector = Selector.open();
            } catch (IOException e) {
                log.warn("Cannot watch the brokers' connections: {}", e.toString());
                return;
            }
            thread = new Thread(this::run, "tributary-broker-watch");
            thread.setDaemon(true);
            thread.start();
        }
        var wanted = new HashMap<Watched, BrokerRegistration>();
        for (BrokerRegistration broker : brokers) {
            if (!broker.endpoints().isEmpty()) {
                wanted.put(new Watched(broker.id(), broker.epoch()), broker);
            }
        }
        if (wanted.equals(lastWanted)) {
            return;
        }
        lastWanted = wanted;
        pending.add(() -> reconcile(wanted));
        selector.wakeup();
    }

    private void reconcile(Map<Watched, BrokerRegistration> wanted) {
        for (var it = channels.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!wanted.containsKey(entry.getKey())) {
                closeQuietly(entry.getValue());
                registrations.remove(entry.getKey());
                it.remove();
            }
        }
        for (var entry : wanted.entrySet()) {
            if (!channels.containsKey(entry.getKey())) {
                connect(entry.getKey(), entry.getValue());
            }
        }
    }

    /** A connection was lost: the next {@link #watch}, even of the same brokers, connects again. */
    private synchronized void reconcileAgain() {
        lastWanted = null;
    }

    private void connect(Watched watched, BrokerRegistration broker) {
        BrokerEndpoint endpoint = broker.endpoints().get(0);
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            boolean connected = channel.connect(new InetSocketAddress(endpoint.host(), endpoint.port()));
            channel.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, watched);
            channels.put(watched, channel);
            registrations.put(watched, broker);
        } catch (IOException | RuntimeException e) {
            // Not reachable now: the heartbeats and the next reconcile decide.
            closeQuietly(channel);
            reconcileAgain();
        }
    }

    private void run() {
        ByteBuffer sink = ByteBuffer.allocate(256);
        while (!lifetime.isShutdown()) {
            try {
                selector.select(SELECT_MS);
                Runnable task;
                while ((task = pending.poll()) != null) {
                    task.run();
                }
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    handle(key, sink);
                }
            } catch (IOException | RuntimeException e) {
                log.warn("Watching the brokers' connections failed: {}", e.toString());
            }
        }
        channels.values().forEach(BrokerWatch::closeQuietly);
        channels.clear();
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("Closing the broker watch selector: {}", e.toString());
        }
    }

    private void handle(SelectionKey key, ByteBuffer sink) {
        Watched watched = (Watched) key.attachment();
        SocketChannel channel = (SocketChannel) key.channel();
        boolean closed;
        try {
            if (key.isConnectable()) {
                if (channel.finishConnect()) {
                    key.interestOps(SelectionKey.OP_READ);
                }
                return;
            }
            sink.clear();
            closed = channel.read(sink) < 0;
        } catch (IOException e) {
            closed = true;
        }
        if (closed) {
            key.cancel();
            closeQuietly(channel);
            channels.remove(watched);
            reconcileAgain();
            BrokerRegistration broker = registrations.remove(watched);
            if (broker != null) {
                onClosed.accept(broker);
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("Closing a broker watch connection: {}", e.toString());
            }
        }
    }
}
