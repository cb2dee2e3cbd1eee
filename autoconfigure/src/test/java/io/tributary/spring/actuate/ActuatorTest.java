package io.tributary.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Health, the tributary endpoint and the meters of an application on its embedded broker, after real traffic: a
 * listener that handles some records and sends one to the DLT.
 */
@SpringBootTest(classes = ActuatorTest.App.class, properties = {
        "spring.application.name=actuator-test", "tributary.broker.ephemeral=true",
        "tributary.listener.backoff=10ms", "tributary.listener.max-attempts=2",
        "tributary.metrics.refresh-interval=200ms", "management.endpoints.web.exposure.include=health,tributary",
        "management.endpoints.jmx.exposure.include=tributary", "spring.jmx.enabled=true"})
class ActuatorTest {

    @Topic(name = "act-readings", partitions = 2)
    record Reading(String sensor, double value) {
    }

    @SpringBootApplication
    static class App {
        final List<Reading> handled = new CopyOnWriteArrayList<>();

        @TopicListener
        void on(Reading reading) {
            if (reading.sensor().equals("broken")) {
                throw new IllegalStateException("sensor broken");
            }
            handled.add(reading);
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Autowired
    TributaryHealthIndicator health;

    @Autowired
    TributaryEndpoint endpoint;

    @Autowired
    MeterRegistry meters;

    @Test
    void healthEndpointAndMetersDescribeTheTraffic() throws Exception {
        for (int i = 0; i < 10; i++) {
            events.publish("s-" + i, new Reading("s-" + i, i)).get();
        }
        events.publish("broken", new Reading("broken", -1)).get();
        await().atMost(Duration.ofSeconds(30)).until(() -> app.handled.size() == 10
                && meters.find("tributary.listener.dead.letters").counter() != null);

        Health health = this.health.health(true);
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("mode", "embedded").containsEntry("offlinePartitions", 0)
                .containsEntry("underReplicatedPartitions", 0).containsKey("logDirs");

        assertThat(meters.get("tributary.listener.processing").tags("topic", "act-readings", "group", "actuator-test")
                .timer().count()).isEqualTo(10);
        assertThat(meters.get("tributary.listener.failures").tags("topic", "act-readings").counter().count())
                .isEqualTo(2);
        assertThat(meters.get("tributary.listener.dead.letters").tags("topic", "act-readings").counter().count())
                .isEqualTo(1);
        assertThat(meters.get("tributary.broker.records.in").functionCounter().count()).isGreaterThanOrEqualTo(11);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(meters.get("tributary.broker.requests").tag("api", "PRODUCE").functionTimer().count())
                    .isGreaterThanOrEqualTo(1);
            assertThat(meters.get("tributary.broker.topic.records.in").tag("topic", "act-readings")
                    .functionCounter().count()).isEqualTo(11);
            assertThat(meters.get("tributary.consumer.lag").tags("group", "actuator-test", "topic", "act-readings")
                    .gauges()).hasSize(2).allSatisfy(gauge -> assertThat(gauge.value()).isZero());
        });
        assertThat(meters.get("tributary.broker.partitions").gauge().value()).isGreaterThanOrEqualTo(2);
        assertThat(meters.find("kafka.consumer.fetch.manager.records.consumed.total").tag("client.id",
                value -> value.startsWith("consumer-actuator-test")).functionCounters())
                .as("Spring Boot's kafka-clients meters cover Tributary's consumers").isNotEmpty();

        Map<String, Object> description = endpoint.describe();
        assertThat(description).containsEntry("mode", "embedded").containsEntry("delivery", "at-least-once");
        @SuppressWarnings("unchecked")
        List<ClusterView.TopicInfo> topics = (List<ClusterView.TopicInfo>) description.get("topics");
        ClusterView.TopicInfo readings = topics.stream().filter(t -> t.name().equals("act-readings")).findFirst()
                .orElseThrow();
        assertThat(readings.partitions()).hasSize(2);
        assertThat(readings.partitions().stream().mapToLong(ClusterView.PartitionInfo::endOffset).sum()).isEqualTo(11);
        assertThat(topics).extracting(ClusterView.TopicInfo::name).contains("act-readings.DLT")
                .doesNotContain("__consumer_offsets");
        ClusterView.GroupInfo group = endpoint.group("actuator-test");
        assertThat(group.lag()).isZero();
        assertThat(group.members()).isEqualTo(1);
        assertThat(group.partitions()).extracting(ClusterView.PartitionLag::committedOffset).containsOnly(
                readings.partitions().get(0).endOffset(), readings.partitions().get(1).endOffset());
    }
}
