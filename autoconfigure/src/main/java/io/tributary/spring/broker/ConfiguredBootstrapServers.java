package io.tributary.spring.broker;

import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The other cluster the application is configured for through properties, in any form Spring Boot binds:
 * {@code spring.kafka.bootstrap-servers=a:9092,b:9092}, a YAML list or indexed keys
 * ({@code spring.kafka.bootstrap-servers[0]}), the environment variable {@code SPRING_KAFKA_BOOTSTRAPSERVERS}, or
 * the per-client {@code spring.kafka.{consumer|producer|admin|streams}.bootstrap-servers}.
 *
 * @param property the property that names the cluster
 * @param servers its {@code host:port} values
 */
record ConfiguredBootstrapServers(String property, List<String> servers) {
    private static final List<String> PROPERTIES = List.of("spring.kafka.bootstrap-servers",
            "spring.kafka.consumer.bootstrap-servers", "spring.kafka.producer.bootstrap-servers",
            "spring.kafka.admin.bootstrap-servers", "spring.kafka.streams.bootstrap-servers");

    /** The first of those properties that binds to at least one non-blank server, or null. */
    static ConfiguredBootstrapServers find(Environment environment) {
        Binder binder = Binder.get(environment);
        for (String property : PROPERTIES) {
            List<String> servers = binder.bind(property, Bindable.listOf(String.class)).orElse(List.of()).stream()
                    .map(String::trim).filter(server -> !server.isEmpty()).toList();
            if (!servers.isEmpty()) {
                return new ConfiguredBootstrapServers(property, servers);
            }
        }
        return null;
    }
}
