package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchInterceptor;
import org.springframework.kafka.listener.CompositeBatchInterceptor;
import org.springframework.kafka.listener.CompositeRecordInterceptor;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.RecordInterceptor;
import org.springframework.kafka.support.converter.BatchMessagingMessageConverter;
import org.springframework.kafka.support.converter.ByteArrayJacksonJsonMessageConverter;
import org.springframework.kafka.support.converter.RecordMessageConverter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts a semantics' parts into a container factory that Spring Boot's configurer has already set up with the
 * application's beans, composing instead of replacing:
 * <ul>
 * <li>message converters: the application's replace the JSON default;</li>
 * <li>interceptors: Tributary's first (at-most-once commits there, before anything else runs), then the
 * application's;</li>
 * <li>error handling: {@link FailurePolicy}, per container where a listener has its own retry settings or retry
 * topics;</li>
 * <li>container customizers: the per-listener retry settings first, then each of the application's;</li>
 * <li>the rebalance listener and the observation switch the configurer set stay, with the context's
 * observation registry when the switch is on.</li>
 * </ul>
 */
final class ContainerComposition {
    private final ApplicationContainerBeans application;
    private final FailurePolicy failures;
    private final JsonMapper jsonMapper;
    private final ListenerMetrics metrics;
    private final Supplier<List<TopicListenerEnhancer.ListenerEndpoint>> endpoints;

    ContainerComposition(ApplicationContainerBeans application, FailurePolicy failures, JsonMapper jsonMapper,
                         ListenerMetrics metrics, Supplier<List<TopicListenerEnhancer.ListenerEndpoint>> endpoints) {
        this.application = application;
        this.failures = failures;
        this.jsonMapper = jsonMapper;
        this.metrics = metrics;
        this.endpoints = endpoints;
    }

    void compose(ConcurrentKafkaListenerContainerFactory<Object, Object> factory, DeliverySemantics semantics,
                 KafkaTemplate<Object, Object> template) {
        RecordMessageConverter converter = application.recordConverter() != null ? application.recordConverter()
                : new ByteArrayJacksonJsonMessageConverter(jsonMapper);
        factory.setRecordMessageConverter(converter);
        factory.setBatchMessageConverter(application.batchConverter() != null ? application.batchConverter()
                : new BatchMessagingMessageConverter(converter));
        var interceptor = new ListenerInterceptor(semantics, metrics);
        factory.setRecordInterceptor(application.recordInterceptor() == null ? interceptor
                : new CompositeRecordInterceptor<>(interceptor, application.recordInterceptor()));
        factory.setBatchInterceptor(application.batchInterceptor() == null ? interceptor
                : new CompositeBatchInterceptor<>(interceptor, application.batchInterceptor()));
        factory.setCommonErrorHandler(failures.errorHandler(semantics, template, ListenerRetry.DEFAULTS));
        if (semantics == DeliverySemantics.EXACTLY_ONCE) {
            factory.setAfterRollbackProcessor(failures.afterRollbackProcessor(template, ListenerRetry.DEFAULTS));
        }
        // A registry set explicitly is observed into whatever the switch says (spring-kafka consults
        // observation-enabled only when it looks the registry up itself), so set it only when the switch is on.
        if (application.observationRegistry() != null && factory.getContainerProperties().isObservationEnabled()) {
            factory.getContainerProperties().setObservationRegistry(application.observationRegistry());
        }
        var retries = new ListenerRetryCustomizer(semantics, template, factory.getConsumerFactory(), failures,
                endpoints);
        factory.setContainerCustomizer(container -> {
            retries.configure(container);
            application.customizers().forEach(customizer -> customizer.configure(container));
        });
    }
}
