package io.tributary.spring.test;

import java.util.List;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/** Finds {@link EmbeddedTributary} on a test class (or, for {@code @Nested} ones, its enclosing class). */
final class EmbeddedTributaryContextCustomizerFactory implements ContextCustomizerFactory {

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        EmbeddedTributary settings = TestContextAnnotationUtils.findMergedAnnotation(testClass,
                EmbeddedTributary.class);
        if (settings == null) {
            return null;
        }
        return new EmbeddedTributaryContextCustomizer(settings.partitions(), settings.external(),
                settings.isolated() ? testClass : null);
    }
}
