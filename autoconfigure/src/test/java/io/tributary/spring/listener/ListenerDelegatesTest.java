package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.TopicListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.KafkaListenerErrorHandler;
import org.springframework.kafka.listener.adapter.RecordFilterStrategy;

/**
 * {@code @TopicListener(filter, errorHandler, containerFactory)} name beans of the application, as on
 * {@code @KafkaListener}: the filter keeps records from the method, the error handler gets the method's failure, and
 * a container factory of the application's runs the listener instead of the delivery semantics' one.
 */
@SpringBootTest(classes = ListenerDelegatesTest.App.class, properties = {
        "spring.application.name=delegates-test", "tributary.broker.ephemeral=true"})
class ListenerDelegatesTest {

    record Note(String text) {
    }

    /** What the listeners and their delegates saw. */
    static class Seen {
        final List<String> passed = new CopyOnWriteArrayList<>();
        final List<String> handled = new CopyOnWriteArrayList<>();
        final List<String> errors = new CopyOnWriteArrayList<>();
        final List<String> custom = new CopyOnWriteArrayList<>();
        final List<String> customized = new CopyOnWriteArrayList<>();
    }

    static class Listeners {
        private final Seen seen;

        Listeners(Seen seen) {
            this.seen = seen;
        }

        @TopicListener(topics = "ld-filtered", filter = "skipDrafts")
        void filtered(Note note) {
            seen.passed.add(note.text());
        }

        @TopicListener(topics = "ld-handled", errorHandler = "recordingErrorHandler")
        void failing(Note note) {
            if (note.text().startsWith("bad")) {
                throw new IllegalStateException("rejected " + note.text());
            }
            seen.handled.add(note.text());
        }

        @TopicListener(id = "custom", topics = "ld-custom", containerFactory = "plainStringFactory")
        void custom(String value) {
            seen.custom.add(value);
        }
    }

    @SpringBootApplication
    static class App {
        final Seen seen = new Seen();

        @Bean
        Listeners listeners() {
            return new Listeners(seen);
        }

        @Bean
        RecordFilterStrategy<Object, Object> skipDrafts() {
            return record -> record.headers().lastHeader("draft") != null;
        }

        @Bean
        KafkaListenerErrorHandler recordingErrorHandler() {
            return (message, exception) -> {
                seen.errors.add(exception.getMostSpecificCause().getMessage());
                return null;
            };
        }

        @Bean
        @SuppressWarnings({"unchecked", "rawtypes"})
        ConcurrentKafkaListenerContainerFactory<Object, Object> plainStringFactory(KafkaConnectionDetails cluster) {
            var factory = new ConcurrentKafkaListenerContainerFactory<Object, Object>();
            factory.setConsumerFactory((ConsumerFactory) new DefaultKafkaConsumerFactory<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", cluster.getBootstrapServers()),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(), new StringDeserializer()));
            factory.setContainerCustomizer(container -> seen.customized.add(container.getListenerId()));
            return factory;
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Autowired
    KafkaConnectionDetails cluster;

    @Test
    void filterKeepsRecordsFromTheMethod() throws Exception {
        events.send("ld-filtered", "n", new Note("draft-1"), Map.of("draft", "yes")).get();
        events.send("ld-filtered", "n", new Note("final-1"), Map.of()).get();
        events.send("ld-filtered", "n", new Note("final-2"), Map.of()).get();
        // One key, one partition: once final-2 arrived, the draft before it has been filtered out.
        await().atMost(Duration.ofSeconds(20)).until(() -> app.seen.passed.contains("final-2"));
        assertThat(app.seen.passed).containsExactly("final-1", "final-2");
    }

    @Test
    void errorHandlerGetsTheFailureAndTheRecordIsNotRedelivered() throws Exception {
        events.send("ld-handled", "n", new Note("bad-1"), Map.of()).get();
        events.send("ld-handled", "n", new Note("good-1"), Map.of()).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.seen.handled.contains("good-1"));
        assertThat(app.seen.errors).containsExactly("rejected bad-1");
        assertThat(app.seen.handled).containsExactly("good-1");
    }

    @Test
    void containerFactoryOfTheApplicationRunsTheListener() throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                String.join(",", cluster.getBootstrapServers())), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("ld-custom", "k", "plain text")).get(10, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !app.seen.custom.isEmpty());
        assertThat(app.seen.custom).containsExactly("plain text");
        assertThat(app.seen.customized).containsExactly("custom");
    }
}
