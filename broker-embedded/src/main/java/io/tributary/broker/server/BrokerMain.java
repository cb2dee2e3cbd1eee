package io.tributary.broker.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.LoggerFactory;

/**
 * The standalone broker:
 *
 * <pre>
 * java -jar tributary-broker.jar [--config broker.properties] [--override name=value ...]
 * </pre>
 *
 * <p>Properties use Kafka's names. SIGTERM (and Ctrl-C) shut the broker down cleanly. An invalid configuration
 * exits with status 1 and a message naming the property.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "tributary-logback.xml");
        }
        Map<String, String> properties;
        try {
            properties = parseArgs(args);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("tributary: " + e.getMessage());
            System.err.println("usage: java -jar tributary-broker.jar [--config broker.properties] "
                    + "[--override name=value ...]");
            System.exit(2);
            return;
        }
        AutoCloseable node;
        try {
            BrokerConfig config = BrokerConfig.fromMap(properties);
            node = config.isBroker() ? Broker.start(config) : ControllerNode.start(config);
        } catch (ConfigException e) {
            System.err.println("tributary: invalid configuration: " + e.getMessage());
            System.exit(1);
            return;
        } catch (RuntimeException e) {
            System.err.println("tributary: cannot start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        String launchedAtMs = System.getenv("TRIBUTARY_LAUNCH_MS");
        if (launchedAtMs != null && launchedAtMs.matches("\\d+")) {
            LoggerFactory.getLogger(BrokerMain.class).info("Serving {} ms after bin/tributary-broker was launched",
                    System.currentTimeMillis() - Long.parseLong(launchedAtMs));
        }
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                LoggerFactory.getLogger(BrokerMain.class).error("Error while stopping", e);
            }
            stopped.countDown();
        }, "tributary-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, String> parseArgs(String[] args) throws IOException {
        var properties = new HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--config") || arg.equals("-c")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--config needs a file");
                }
                properties.putAll(load(Path.of(args[++i])));
            } else if (arg.equals("--override")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--override needs name=value");
                }
                putPair(properties, args[++i]);
            } else if (arg.endsWith(".properties") && Files.exists(Path.of(arg))) {
                properties.putAll(load(Path.of(arg)));
            } else {
                throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        return properties;
    }

    private static void putPair(Map<String, String> properties, String pair) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--override expects name=value, got '" + pair + "'");
        }
        properties.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }

    private static Map<String, String> load(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("cannot read config file " + file);
        }
        var loaded = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            loaded.load(reader);
        }
        var result = new HashMap<String, String>();
        loaded.stringPropertyNames().forEach(name -> result.put(name, loaded.getProperty(name).trim()));
        return result;
    }
}
