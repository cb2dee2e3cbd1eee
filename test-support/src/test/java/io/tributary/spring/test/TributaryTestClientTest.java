package io.tributary.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.spring.EventTemplate;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * The test client on a real context: reading exactly n records, the dead letters with their failure decoded, and
 * waiting until the listeners have committed everything. Each test uses its own topic or counts only its own
 * records, since the tests share one context.
 */
@SpringBootTest(classes = TestApp.class, properties = {"spring.application.name=client",
        "tributary.listener.max-attempts=1"})
@EmbeddedTributary
class TributaryTestClientTest {

    @Autowired
    TributaryTestClient tributary;

    @Autowired
    EventTemplate events;

    @Autowired
    TestApp app;

    @Autowired
    KafkaListenerEndpointRegistry registry;

    @Test
    void readReturnsExactlyTheRecordsOnTheTopic() throws Exception {
        events.send("client-read", "k1", "one").get();
        events.send("client-read", "k2", "two").get();

        List<ConsumerRecord<String, String>> records = tributary.read("client-read", 2, Duration.ofSeconds(10));

        assertThat(records).extracting(ConsumerRecord::key).containsExactly("k1", "k2");
        assertThat(records).extracting(ConsumerRecord::value).containsExactly("\"one\"", "\"two\"");
        assertThatThrownBy(() -> tributary.read("client-read", 3, Duration.ofMillis(500)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected 3 record(s) on topic 'client-read'").hasMessageContaining("found 2")
                .hasMessageContaining("key=k2");
        assertThatThrownBy(() -> tributary.read("client-read", 1, Duration.ofSeconds(5)))
                .as("more records than expected").isInstanceOf(AssertionError.class).hasMessageContaining("found 2");
    }

    @Test
    void deadLettersDecodeWhereTheRecordCameFromAndWhyItFailed() throws Exception {
        var sent = events.publish("client-dlt", new TestApp.Ping("fail-client")).get();

        List<DeadLetter> letters = tributary.deadLetters("pings", 1);

        DeadLetter letter = letters.get(0);
        assertThat(letter.key()).contains("client-dlt");
        assertThat(letter.value()).contains("fail-client");
        assertThat(letter.originalTopic()).isEqualTo("pings");
        assertThat(letter.originalPartition()).isEqualTo(sent.partition());
        assertThat(letter.originalOffset()).isEqualTo(sent.offset());
        assertThat(letter.exceptionMessage()).contains("cannot answer fail-client");
    }

    @Test
    void awaitNoLagReturnsOnceTheListenerCommittedEveryRecord() throws Exception {
        List<TestApp.Ping> sent = IntStream.range(0, 20).mapToObj(i -> new TestApp.Ping("lag-" + i)).toList();
        var sends = sent.stream().map(events::publish).toList();
        sends.forEach(java.util.concurrent.CompletableFuture::join);

        tributary.awaitNoLag(Duration.ofSeconds(20));

        assertThat(app.pings).containsAll(sent);
        tributary.awaitNoLag("test-app-on", Duration.ofSeconds(5));
        assertThatThrownBy(() -> tributary.awaitNoLag("nobody", Duration.ofSeconds(1)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("No @TopicListener has id 'nobody'")
                .hasMessageContaining("test-app-on");
    }

    @Test
    void awaitNoLagFailsNamingAListenerThatFallsBehind() throws Exception {
        var container = registry.getListenerContainer("test-app-on");
        tributary.awaitNoLag(Duration.ofSeconds(20));
        container.stop();
        try {
            events.publish(new TestApp.Ping("while-stopped")).get();
            assertThatThrownBy(() -> tributary.awaitNoLag("test-app-on", Duration.ofSeconds(2)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("test-app-on={pings-0=1}");
        } finally {
            container.start();
        }
        tributary.awaitNoLag(Duration.ofSeconds(20));
        assertThat(app.pings).contains(new TestApp.Ping("while-stopped"));
    }
}
