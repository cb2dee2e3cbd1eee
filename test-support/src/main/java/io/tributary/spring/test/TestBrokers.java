package io.tributary.spring.test;

import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The brokers of one test JVM: one shared per partition count, started on first use and closed (data deleted) when
 * the JVM exits; isolated ones are started and closed by their test class's context.
 */
final class TestBrokers {
    private static final Map<Integer, EmbeddedBroker> SHARED = new ConcurrentHashMap<>();

    private TestBrokers() {
    }

    static EmbeddedBroker shared(int partitions) {
        return SHARED.computeIfAbsent(partitions, count -> {
            EmbeddedBroker broker = start(count);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "tributary-test-broker-shutdown"));
            return broker;
        });
    }

    static EmbeddedBroker start(int partitions) {
        var properties = new TributaryProperties.Broker();
        properties.setEphemeral(true);
        properties.setPort(0);
        properties.setPartitions(partitions);
        return EmbeddedBroker.start(properties, "test");
    }
}
