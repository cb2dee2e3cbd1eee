package io.tributary.broker.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * Virtual hosts on one machine, for tests that need a real network partition: each host is a Linux network
 * namespace of its own, created here with {@code ip netns}, and a process started with {@link #commandPrefix}
 * runs on it. Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2; without them, or when anything in the
 * root namespace already uses 198.51.100.0/24, {@link #create} aborts the test (a JUnit assumption) instead of
 * failing it.
 *
 * <pre>
 *   namespace trib-R-sw:          bridge "sw" (the cluster network, 198.51.100.0/24)
 *                                 port1            port2            port3
 *                                   │                │                │
 *   namespace trib-R-n:           eth0 .11         eth0 .12         eth0 .13
 *                                 client           client           client
 *                                   │                │                │
 *   root namespace (the test):    tribRc1          tribRc2          tribRc3      each 198.51.100.1/32 and .2/32,
 *                                                                                route 198.51.100.1n/32 over it
 * </pre>
 *
 * <p>The hosts reach each other only through the bridge. The test JVM, in the root namespace, reaches each host
 * over a point-to-point link of its own, from two addresses: {@link #TEST_ADDRESS}, where its clients connect from,
 * and {@link #SIDE_ADDRESS}, for a socket bound to it. {@link #cut} separates a host from the other hosts and from
 * the test's clients: its bridge port goes down (as if its cable were pulled: nothing passes, nobody is told) and
 * its answers to {@link #TEST_ADDRESS} are dropped. Only {@link #SIDE_ADDRESS} still reaches it, as a client
 * stranded on its side of the partition would.
 *
 * <p>{@link #close} kills whatever still runs in the namespaces (only processes the test started there), deletes
 * the root-side links and the namespaces; a shutdown hook does the same if the JVM exits first. Not thread-safe,
 * except that the clean-up may run from the hook.
 */
public final class NetworkNamespaces implements AutoCloseable {
    /** The address the test's clients connect from (host {@code n} is {@code 198.51.100.1n}). */
    public static final String TEST_ADDRESS = "198.51.100.1";
    /** A second address of the test, from which even a {@link #cut} host is reached. */
    public static final String SIDE_ADDRESS = "198.51.100.2";
    private static final String RANGE = "198.51.100.";
    private static final long COMMAND_TIMEOUT_MS = 10_000;

    private final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    private final int hosts;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> rootLinks = new ArrayList<>();
    private final Thread cleanupOnExit = new Thread(this::cleanUp, "network-namespaces-cleanup");
    private boolean closed;

    private NetworkNamespaces(int hosts) {
        this.hosts = hosts;
    }

    /**
     * Creates {@code hosts} hosts (1 to 9) on a bridge, each reachable from this JVM at {@link #address}.
     *
     * @throws org.opentest4j.TestAbortedException when network namespaces cannot be used here
     */
    public static NetworkNamespaces create(int hosts) {
        if (hosts < 1 || hosts > 9) {
            throw new IllegalArgumentException("1 to 9 hosts, not " + hosts);
        }
        Result version = run("ip", "-V");
        Assumptions.assumeTrue(version.ok(), () -> "iproute2 ('ip') is needed: " + version);
        for (String[] listing : new String[][] {{"ip", "-o", "address", "show"}, {"ip", "-o", "route", "show",
                "table", "all"}}) {
            Result result = run(listing);
            Assumptions.assumeTrue(result.ok(), () -> String.join(" ", listing) + " failed: " + result);
            String inUse = result.output().lines().filter(line -> line.contains(RANGE)).findFirst().orElse(null);
            Assumptions.assumeTrue(inUse == null, () -> "198.51.100.0/24 is already in use on this machine, so "
                    + "the test does not touch the network: " + inUse);
        }
        var network = new NetworkNamespaces(hosts);
        Runtime.getRuntime().addShutdownHook(network.cleanupOnExit);
        try {
            network.probe();
            for (int host = 1; host <= hosts; host++) {
                network.addHost(host);
            }
            return network;
        } catch (RuntimeException | Error e) {
            network.close();
            throw e;
        }
    }

    /** The switch and the first host's cable: what needs privileges, so a failure here means "not permitted". */
    private void probe() {
        String sw = namespace("sw");
        Result created = run("ip", "netns", "add", sw);
        if (created.ok()) {
            namespaces.add(sw);
        }
        Assumptions.assumeTrue(created.ok(), () -> "Cannot create a network namespace: " + created);
        Result bridge = run("ip", "-n", sw, "link", "add", "sw", "type", "bridge");
        Assumptions.assumeTrue(bridge.ok(), () -> "Cannot create a bridge in a network namespace: " + bridge);
        String first = namespace("1");
        Result host = run("ip", "netns", "add", first);
        if (host.ok()) {
            namespaces.add(first);
        }
        Assumptions.assumeTrue(host.ok(), () -> "Cannot create a network namespace: " + host);
        Result veth = run("ip", "link", "add", "name", "eth0", "netns", first, "type", "veth", "peer", "name", "port1",
                "netns", sw);
        Assumptions.assumeTrue(veth.ok(), () -> "Cannot create a veth pair between network namespaces: " + veth);
        check("ip", "-n", sw, "link", "set", "sw", "up");
    }

    private void addHost(int host) {
        String ns = namespace(String.valueOf(host));
        String sw = namespace("sw");
        if (host > 1) {
            check("ip", "netns", "add", ns);
            namespaces.add(ns);
            check("ip", "link", "add", "name", "eth0", "netns", ns, "type", "veth", "peer", "name", "port" + host,
                    "netns", sw);
        }
        check("ip", "-n", ns, "link", "set", "lo", "up");
        check("ip", "-n", sw, "link", "set", "port" + host, "master", "sw", "up");
        check("ip", "-n", ns, "address", "add", address(host) + "/24", "dev", "eth0");
        check("ip", "-n", ns, "link", "set", "eth0", "up");
        String rootLink = "trib" + id + "c" + host;
        check("ip", "link", "add", "name", rootLink, "type", "veth", "peer", "name", "client", "netns", ns);
        rootLinks.add(rootLink);
        check("ip", "address", "add", TEST_ADDRESS + "/32", "dev", rootLink);
        check("ip", "address", "add", SIDE_ADDRESS + "/32", "dev", rootLink);
        check("ip", "link", "set", rootLink, "up");
        check("ip", "-n", ns, "link", "set", "client", "up");
        check("ip", "route", "add", address(host) + "/32", "dev", rootLink, "src", TEST_ADDRESS);
        check("ip", "-n", ns, "route", "add", TEST_ADDRESS + "/32", "dev", "client");
        check("ip", "-n", ns, "route", "add", SIDE_ADDRESS + "/32", "dev", "client");
    }

    private String namespace(String suffix) {
        return "trib-" + id + "-" + suffix;
    }

    /** Host {@code host}'s address on the cluster network, {@code 198.51.100.1<host>}. */
    public String address(int host) {
        checkHost(host);
        return RANGE + (10 + host);
    }

    /** The command that runs the rest of a command line on host {@code host}: {@code ip netns exec <namespace>}. */
    public List<String> commandPrefix(int host) {
        checkHost(host);
        return List.of("ip", "netns", "exec", namespace(String.valueOf(host)));
    }

    /**
     * Cuts host {@code host} off: its bridge port goes down, so no packet passes between it and the other hosts,
     * and it drops what it would send to {@link #TEST_ADDRESS}. Connections from {@link #SIDE_ADDRESS} still work.
     */
    public void cut(int host) {
        checkHost(host);
        check("ip", "-n", namespace("sw"), "link", "set", "port" + host, "down");
        check("ip", "-n", namespace(String.valueOf(host)), "route", "replace", "blackhole", TEST_ADDRESS + "/32");
    }

    /** Undoes {@link #cut}. */
    public void heal(int host) {
        checkHost(host);
        check("ip", "-n", namespace(String.valueOf(host)), "route", "replace", TEST_ADDRESS + "/32", "dev",
                "client");
        check("ip", "-n", namespace("sw"), "link", "set", "port" + host, "up");
    }

    private void checkHost(int host) {
        if (host < 1 || host > hosts) {
            throw new IllegalArgumentException("No host " + host + " (hosts 1 to " + hosts + ")");
        }
    }

    /** Kills what still runs in the namespaces and deletes every namespace and link this created. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    private synchronized void cleanUp() {
        var failures = new ArrayList<String>();
        for (String ns : namespaces) {
            Result pids = run("ip", "netns", "pids", ns);
            pids.output().lines().map(String::strip).filter(pid -> pid.matches("\\d+"))
                    .forEach(pid -> ProcessHandle.of(Long.parseLong(pid)).ifPresent(process -> {
                        process.destroyForcibly();
                        try {
                            process.onExit().get(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } catch (ExecutionException | TimeoutException e) {
                            failures.add("process " + pid + " in " + ns + " did not exit: " + e);
                        }
                    }));
        }
        // A namespace's links go away with it, but asynchronously; the root-side links are deleted here, at once.
        for (String link : rootLinks) {
            Result deleted = run("ip", "link", "delete", link);
            if (!deleted.ok()) {
                failures.add(deleted.toString());
            }
        }
        for (String ns : namespaces) {
            Result deleted = run("ip", "netns", "delete", ns);
            if (!deleted.ok()) {
                failures.add(deleted.toString());
            }
        }
        rootLinks.clear();
        namespaces.clear();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("Cleaning up the network namespaces failed: " + failures);
        }
    }

    private void check(String... command) {
        Result result = run(command);
        if (!result.ok()) {
            throw new IllegalStateException(result.toString());
        }
    }

    /** A command's exit status and its output (stdout and stderr together). */
    private record Result(String command, int status, String output) {
        boolean ok() {
            return status == 0;
        }

        @Override
        public String toString() {
            return "'" + command + "' exited with " + status + ": " + output.strip();
        }
    }

    private static Result run(String... command) {
        String line = String.join(" ", command);
        Path output = null;
        try {
            // To a file, not a pipe: a long listing can never block the command, so the timeout bounds it.
            output = Files.createTempFile("ip-", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .start();
            process.getOutputStream().close();
            if (!process.waitFor(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Result(line, -1, "no exit within " + COMMAND_TIMEOUT_MS + " ms");
            }
            return new Result(line, process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(line, -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(line, -1, "interrupted");
        } finally {
            if (output != null) {
                output.toFile().delete();
            }
        }
    }
}
