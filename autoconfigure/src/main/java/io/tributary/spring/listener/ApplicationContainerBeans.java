package io.tributary.spring.listener;

import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.AfterRollbackProcessor;
import org.springframework.kafka.listener.BatchInterceptor;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.converter.BatchMessageConverter;
import org.springframework.kafka.support.converter.RecordMessageConverter;

/**
 * The application's own listener-container beans: those Spring Boot applies to its default container factory,
 * which Tributary's factories compose with their semantics' parts instead of replacing. A component is null
 * when the application has none, or several (as Spring Boot, which takes a unique one).
 *
 * @param customizers every {@link ContainerCustomizer} bean, in order
 * @param observationRegistry the registry observations go to, or null (none then); set on a template or container
 *        only where its switch is on, since spring-kafka observes into a registry set on it whatever the switch says
 * @param templateObservation {@code spring.kafka.template.observation-enabled}
 */
record ApplicationContainerBeans(RecordMessageConverter recordConverter, BatchMessageConverter batchConverter,
                                 CommonErrorHandler errorHandler,
                                 AfterRollbackProcessor<Object, Object> afterRollbackProcessor,
                                 RecordInterceptor<Object, Object> recordInterceptor,
                                 BatchInterceptor<Object, Object> batchInterceptor,
                                 List<ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>>> customizers,
                                 ObservationRegistry observationRegistry, boolean templateObservation) {

    /** The application's beans as Spring Boot's listener auto-configuration would find them. */
    static ApplicationContainerBeans of(BeanFactory beans, boolean templateObservation) {
        return new ApplicationContainerBeans(beans.getBeanProvider(RecordMessageConverter.class).getIfUnique(),
                beans.getBeanProvider(BatchMessageConverter.class).getIfUnique(),
                beans.getBeanProvider(CommonErrorHandler.class).getIfUnique(),
                ApplicationContainerBeans.<AfterRollbackProcessor<Object, Object>>unique(beans,
                        AfterRollbackProcessor.class),
                ApplicationContainerBeans.<RecordInterceptor<Object, Object>>unique(beans, RecordInterceptor.class),
                ApplicationContainerBeans.<BatchInterceptor<Object, Object>>unique(beans, BatchInterceptor.class),
                beans.getBeanProvider(ContainerCustomizer.class).orderedStream()
                        .map(ApplicationContainerBeans::customizer).toList(),
                beans.getBeanProvider(ObservationRegistry.class).getIfUnique(), templateObservation);
    }

    @SuppressWarnings("unchecked")
    private static <T> T unique(BeanFactory beans, Class<?> type) {
        return (T) beans.getBeanProvider(type).getIfUnique();
    }

    @SuppressWarnings("unchecked")
    private static ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> customizer(
            ContainerCustomizer<?, ?, ?> customizer) {
        return (ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>>) customizer;
    }
}
