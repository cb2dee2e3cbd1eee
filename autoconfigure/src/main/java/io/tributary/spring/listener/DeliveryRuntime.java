package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.transaction.KafkaTransactionManager;

/**
 * The clients of one delivery semantics: the template that sends for it and the container factory its listeners
 * run in. With exactly-once both share one transactional producer factory, so a send from inside a listener
 * joins the listener's transaction.
 */
public record DeliveryRuntime(DeliverySemantics semantics, KafkaTemplate<Object, Object> template,
                              ConcurrentKafkaListenerContainerFactory<Object, Object> containerFactory) {

    /** The Kafka transaction manager of the exactly-once runtime's listeners; null for the other semantics. */
    @SuppressWarnings("unchecked")
    public KafkaTransactionManager<Object, Object> transactionManager() {
        return (KafkaTransactionManager<Object, Object>) containerFactory.getContainerProperties()
                .getKafkaAwareTransactionManager();
    }
}
