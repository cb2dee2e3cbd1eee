package io.tributary.spring.broker;

import java.util.List;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;

/** Spring Boot's Kafka support (templates, listeners, admin, streams) connects to the embedded broker. */
final class EmbeddedBrokerConnectionDetails implements KafkaConnectionDetails {
    private final EmbeddedBroker broker;

    EmbeddedBrokerConnectionDetails(EmbeddedBroker broker) {
        this.broker = broker;
    }

    @Override
    public List<String> getBootstrapServers() {
        return List.of(broker.bootstrapServers());
    }
}
