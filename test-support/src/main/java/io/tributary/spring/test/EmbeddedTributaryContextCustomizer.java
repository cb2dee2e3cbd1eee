package io.tributary.spring.test;

import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.listener.TopicListenerEnhancer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.MapPropertySource;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Configures a test's context for its broker and registers the {@link TributaryTestClient}. Embedded (the
 * default): the application's auto-configuration starts an ephemeral broker of the context's own. External: the
 * context uses the JVM's shared test broker (or, isolated, one of its own) as an external cluster. Customizers of
 * classes with the same settings are equal, so Spring's test context cache gives them one context and one broker.
 */
final class EmbeddedTributaryContextCustomizer implements ContextCustomizer {
    private final int partitions;
    private final boolean external;
    private final Class<?> isolatedClass;

    EmbeddedTributaryContextCustomizer(int partitions, boolean external, Class<?> isolatedClass) {
        this.partitions = partitions;
        this.external = external;
        this.isolatedClass = isolatedClass;
    }

    @Override
    public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration configuration) {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (external) {
            EmbeddedBroker broker = isolatedClass == null ? TestBrokers.shared(partitions) : isolated(context);
            properties.put("tributary.mode", "external");
            properties.put("spring.kafka.bootstrap-servers", broker.bootstrapServers());
        } else {
            properties.put("tributary.mode", "embedded");
            properties.put("tributary.broker.ephemeral", "true");
            properties.put("tributary.broker.port", "0");
            properties.put("tributary.broker.partitions", String.valueOf(partitions));
            // A data directory of the test's own: an ephemeral broker deletes its directory on close, which must
            // never be one the application's configuration names.
            properties.put("tributary.broker.data-dir", temporaryDirectory());
        }
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("embeddedTributary", properties));
        if (context.getBeanFactory() instanceof BeanDefinitionRegistry registry) {
            registry.registerBeanDefinition("tributaryTestClient", new RootBeanDefinition(TributaryTestClient.class,
                    () -> new TributaryTestClient(context.getBean(KafkaConnectionDetails.class),
                            context.getBeanProvider(TopicListenerEnhancer.class).getIfAvailable(),
                            context.getBeanProvider(KafkaListenerEndpointRegistry.class).getIfAvailable(),
                            context.getEnvironment().getProperty("tributary.listener.dead-letter-suffix", ".DLT"))));
        }
    }

    private EmbeddedBroker isolated(ConfigurableApplicationContext context) {
        EmbeddedBroker broker = TestBrokers.start(partitions);
        context.addApplicationListener((ApplicationListener<ContextClosedEvent>) event -> {
            if (event.getApplicationContext() == context) {
                broker.close();
            }
        });
        return broker;
    }

    private static String temporaryDirectory() {
        try {
            return Files.createTempDirectory("tributary-test-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a data directory for the test broker", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EmbeddedTributaryContextCustomizer that && partitions == that.partitions
                && external == that.external && Objects.equals(isolatedClass, that.isolatedClass);
    }

    @Override
    public int hashCode() {
        return Objects.hash(partitions, external, isolatedClass);
    }
}
