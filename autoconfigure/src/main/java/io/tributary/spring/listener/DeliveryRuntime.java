package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The clients of one delivery semantics: the template that sends for it and the container factory its listeners
 * run in. With exactly-once both share one transactional producer factory, so a send from inside a listener
 * joins the listener's transaction.
 */
public record DeliveryRuntime(DeliverySemantics semantics, KafkaTemplate<Object, Object> template,
                              ConcurrentKafkaListenerContainerFactory<Object, Object> containerFactory) {
}
