package io.tributary.spring.test;

import io.tributary.spring.broker.EmbeddedBroker;
import java.util.Map;
import java.util.Objects;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points a test's context at its test broker by setting {@code spring.kafka.bootstrap-servers} (which also tells
 * Tributary's auto-configuration not to start a broker of its own). Equal for every class that shares a broker,
 * so Spring's test context cache reuses their context; an isolated class's customizer is its own.
 */
final class EmbeddedTributaryContextCustomizer implements ContextCustomizer {
    private final int partitions;
    private final Class<?> isolatedClass;

    EmbeddedTributaryContextCustomizer(int partitions, Class<?> isolatedClass) {
        this.partitions = partitions;
        this.isolatedClass = isolatedClass;
    }

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration configuration) {
        EmbeddedBroker broker;
        if (isolatedClass == null) {
            broker = TestBrokers.shared(partitions);
        } else {
            broker = TestBrokers.start(partitions);
            context.addApplicationListener((ApplicationListener<ContextClosedEvent>) event -> {
                if (event.getApplicationContext() == context) {
                    broker.close();
                }
            });
        }
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("embeddedTributary",
                Map.of("spring.kafka.bootstrap-servers", broker.bootstrapServers())));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EmbeddedTributaryContextCustomizer that && partitions == that.partitions
                && Objects.equals(isolatedClass, that.isolatedClass);
    }

    @Override
    public int hashCode() {
        return Objects.hash(partitions, isolatedClass);
    }
}
