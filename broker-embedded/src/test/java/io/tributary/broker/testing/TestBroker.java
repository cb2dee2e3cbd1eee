package io.tributary.broker.testing;

import io.tributary.broker.server.Broker;
import io.tributary.broker.server.BrokerConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A broker on 127.0.0.1 with a free port and its data in a test directory; restartable on the same data (the
 * port may change across restarts, so read {@link #bootstrapServers()} again).
 */
public final class TestBroker implements AutoCloseable {
    /**
     * Group coordinator settings for fast consumer-group tests: the first rebalance of a group completes as soon
     * as its members joined (Kafka waits 3 s for more), session timeouts down to 500 ms are accepted (Kafka's
     * minimum is 6 s) and {@code __consumer_offsets} has 3 partitions instead of 50.
     */
    public static final Map<String, String> FAST_GROUPS = Map.of(
            "group.initial.rebalance.delay.ms", "0",
            "group.min.session.timeout.ms", "500",
            "offsets.topic.num.partitions", "3",
            "offsets.topic.replication.factor", "1");

    /** {@link #FAST_GROUPS}, and {@code __transaction_state} with 3 partitions instead of 50. */
    public static final Map<String, String> FAST_TRANSACTIONS = withFastTransactions();

    private static Map<String, String> withFastTransactions() {
        var config = new HashMap<>(FAST_GROUPS);
        config.put("transaction.state.log.num.partitions", "3");
        return Map.copyOf(config);
    }

    private final Map<String, Object> properties;
    private Broker broker;

    private TestBroker(Map<String, Object> properties) {
        this.properties = properties;
        this.broker = Broker.start(BrokerConfig.fromMap(properties));
    }

    public static TestBroker start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    public static TestBroker start(Path dataDir, Map<String, ?> overrides) {
        var properties = new HashMap<String, Object>();
        properties.put("log.dirs", dataDir.toString());
        properties.put("listeners", "PLAINTEXT://127.0.0.1:0");
        properties.put("num.io.threads", "4");
        properties.put("num.network.threads", "2");
        properties.putAll(overrides);
        return new TestBroker(properties);
    }

    public Broker broker() {
        return broker;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Clean shutdown and start again on the same data directory. */
    public void restart() {
        broker.close();
        broker = Broker.start(BrokerConfig.fromMap(properties));
    }

    /**
     * Clean shutdown and start again on the same data directory and the same port, so clients that are still
     * running reconnect to it (their fetch sessions and connections are gone, as after a real restart).
     */
    public void restartOnSamePort() {
        int port = broker.port();
        broker.close();
        var samePort = new HashMap<>(properties);
        samePort.put("listeners", "PLAINTEXT://127.0.0.1:" + port);
        broker = Broker.start(BrokerConfig.fromMap(samePort));
    }

    @Override
    public void close() {
        broker.close();
    }
}
