package io.tributary.broker.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks loopback ports for nodes that must know their ports before they bind them: a cluster's voters are named
 * with their Raft ports in every node's configuration, and a node restarts on the ports it had.
 *
 * <p>The obvious way, binding port 0 and closing the socket, races: that port comes from the kernel's ephemeral
 * range, the same range every outgoing connection's local port is drawn from, so between the pick and the bind a
 * client connection (to another node, say) can take it, and the node fails with "Address already in use". Ports
 * are therefore chosen below the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), where the kernel
 * never assigns one on its own, checked free by binding, and never handed out twice by one JVM.
 */
public final class FreePorts {
    /** Linux's default ephemeral range starts here; used where the range cannot be read. */
    private static final int DEFAULT_EPHEMERAL_LOW = 32768;
    /** How many ports below the ephemeral range are candidates. */
    private static final int SPAN = 12_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port on 127.0.0.1 that is free now, outside the ephemeral range, and not returned before by this JVM. */
    public static int next() {
        int high = ephemeralLow();
        int low = Math.max(1024, high - SPAN);
        int span = high - low;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = low + (start + i) % span;
            if (HANDED_OUT.add(port)) {
                if (bindable(port)) {
                    return port;
                }
            }
        }
        throw new IllegalStateException("No free port on 127.0.0.1 between " + low + " and " + high);
    }

    private static boolean bindable(int port) {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int ephemeralLow() {
        try {
            // Not Files.readString: JDK 17 reads a single byte of this procfs file, which reports its size as 0.
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
            int low = Integer.parseInt(range.split("\\s+")[0]);
            return low > 1024 + 1000 ? low : DEFAULT_EPHEMERAL_LOW;
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }
}
