package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;

@SpringBootTest(classes = AtLeastOnceListenerTest.App.class, properties = {
        "spring.application.name=at-least-once-test", "tributary.broker.ephemeral=true",
        "tributary.listener.backoff=10ms", "tributary.listener.max-attempts=3"})
class AtLeastOnceListenerTest {

    @Topic(name = "alo-orders", partitions = 2)
    record OrderPlaced(String orderId, long amountCents) {
    }

    @SpringBootApplication
    static class App {
        final List<OrderPlaced> received = new CopyOnWriteArrayList<>();
        final List<String> attempts = new CopyOnWriteArrayList<>();
        final List<ConsumerRecord<String, byte[]>> deadLetters = new CopyOnWriteArrayList<>();

        @TopicListener
        void onOrder(OrderPlaced order, @Header(KafkaHeaders.RECEIVED_KEY) String key) {
            attempts.add(order.orderId());
            if (order.orderId().startsWith("bad")) {
                throw new IllegalStateException("cannot bill " + order.orderId());
            }
            if (order.orderId().startsWith("flaky") && attempts.stream().filter(order.orderId()::equals).count() < 2) {
                throw new IllegalStateException("first try of " + order.orderId() + " fails");
            }
            received.add(order);
        }

        @KafkaListener(topics = "alo-orders.DLT", groupId = "dlt-reader",
                properties = {"value.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer",
                        "auto.offset.reset=earliest"})
        void onDeadLetter(ConsumerRecord<String, byte[]> record) {
            deadLetters.add(record);
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Test
    void failingRecordIsRedeliveredThenSentToTheDeadLetterTopic() throws Exception {
        events.publish("k1", new OrderPlaced("o-1", 100)).get();
        events.publish("k2", new OrderPlaced("flaky-2", 200)).get();
        events.publish("k3", new OrderPlaced("bad-3", 300)).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.deadLetters.size() == 1 && app.received.size() == 2);
        assertThat(app.received).containsExactlyInAnyOrder(new OrderPlaced("o-1", 100), new OrderPlaced("flaky-2", 200));
        assertThat(app.attempts.stream().filter("flaky-2"::equals)).hasSize(2);
        assertThat(app.attempts.stream().filter("bad-3"::equals)).hasSize(3);
        ConsumerRecord<String, byte[]> dead = app.deadLetters.get(0);
        assertThat(dead.key()).isEqualTo("k3");
        assertThat(new String(dead.value())).contains("\"orderId\":\"bad-3\"");
        assertThat(new String(dead.headers().lastHeader("kafka_dlt-exception-message").value()))
                .contains("cannot bill bad-3");
        assertThat(new String(dead.headers().lastHeader("kafka_dlt-original-topic").value())).isEqualTo("alo-orders");
    }
}
