package io.tributary.benchmarks.startup;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.broker.EmbeddedBroker;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The app both sides of the start-up benchmark run: one {@code @TopicListener}, one event published when the app
 * is ready. {@code --broker=tributary} runs it on the starter's embedded broker (what a user gets with no
 * configuration); {@code --broker=kafka} first starts spring-kafka-test's {@link EmbeddedKafkaKraftBroker} (Apache
 * Kafka in the same JVM, port chosen at bind time) and points the same app at it with
 * {@code spring.kafka.bootstrap-servers}. When the first event reaches the listener it prints one line:
 *
 * <pre>RESULT broker=tributary uptime_ms=812 heap_used_mb=41.2 heap_live_mb=22.9 rss_mb=151.0 hwm_mb=151.0 broker_start_ms=340</pre>
 *
 * (uptime since JVM start; heap in use then, and after a full GC; resident set size and its peak; how long the
 * broker itself took to start inside that uptime) and exits.
 */
@SpringBootApplication
public class StartupApp {
    private static long kafkaStartMillis = -1;

    private final AtomicBoolean reported = new AtomicBoolean();
    private final EventTemplate events;
    private final ObjectProvider<EmbeddedBroker> embedded;

    /** The event; its topic is created at startup from this declaration. */
    @Topic(name = "startup-pings", partitions = 1)
    public record Ping(long sentAtMs) {
    }

    public StartupApp(EventTemplate events, ObjectProvider<EmbeddedBroker> embedded) {
        this.events = events;
        this.embedded = embedded;
    }

    @EventListener(ApplicationReadyEvent.class)
    void publishFirstEvent() {
        events.publish(new Ping(System.currentTimeMillis()));
    }

    @TopicListener
    void on(Ping ping) {
        if (!reported.compareAndSet(false, true)) {
            return;
        }
        long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
        double heapUsedMb = heapUsedMb();
        System.gc();
        double heapLiveMb = heapUsedMb();
        EmbeddedBroker broker = embedded.getIfAvailable();
        long brokerStartMs = broker != null ? broker.startupMillis() : kafkaStartMillis;
        System.out.printf("RESULT broker=%s uptime_ms=%d heap_used_mb=%.1f heap_live_mb=%.1f rss_mb=%.1f hwm_mb=%.1f"
                        + " broker_start_ms=%d%n", System.getProperty("startup.broker"), uptimeMs, heapUsedMb,
                heapLiveMb, statusMb("VmRSS"), statusMb("VmHWM"), brokerStartMs);
        System.out.flush();
        new Thread(() -> System.exit(0), "startup-benchmark-exit").start();
    }

    public static void main(String[] args) {
        String broker = "tributary";
        for (String arg : args) {
            if (arg.startsWith("--broker=")) {
                broker = arg.substring("--broker=".length());
            }
        }
        System.setProperty("startup.broker", broker);
        if (broker.equals("kafka")) {
            long startNanos = System.nanoTime();
            var kafka = new EmbeddedKafkaKraftBroker(1, 1, "startup-pings").kafkaPorts(0);
            kafka.afterPropertiesSet();
            kafkaStartMillis = (System.nanoTime() - startNanos) / 1_000_000;
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::destroy, "embedded-kafka-shutdown"));
            System.setProperty("spring.kafka.bootstrap-servers", kafka.getBrokersAsString());
        } else if (!broker.equals("tributary")) {
            throw new IllegalArgumentException("--broker=tributary or --broker=kafka, not " + broker);
        }
        SpringApplication.run(StartupApp.class, args);
    }

    private static double heapUsedMb() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
    }

    /** A size from /proc/self/status (Linux), in MiB; -1 elsewhere. */
    private static double statusMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
