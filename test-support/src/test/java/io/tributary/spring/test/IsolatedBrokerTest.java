package io.tributary.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;

/** An isolated class has a broker of its own: topics on the shared broker do not exist here, and ours not there. */
@SpringBootTest(classes = TestApp.class, properties = "spring.application.name=isolated")
@EmbeddedTributary(isolated = true, partitions = 2)
class IsolatedBrokerTest {

    @Autowired
    KafkaConnectionDetails connection;

    @Autowired
    EventTemplate events;

    @Autowired
    TestApp app;

    @Test
    void topicsAreIsolatedFromTheSharedBroker() throws Exception {
        String shared = TestBrokers.shared(1).bootstrapServers();
        String own = connection.getBootstrapServers().get(0);
        assertThat(own).isNotEqualTo(shared);
        try (Admin sharedAdmin = admin(shared); Admin ownAdmin = admin(own)) {
            sharedAdmin.createTopics(java.util.List.of(new NewTopic("only-on-shared", 1, (short) 1)))
                    .all().get(10, TimeUnit.SECONDS);
            assertThat(ownAdmin.listTopics().names().get(10, TimeUnit.SECONDS)).doesNotContain("only-on-shared");
            events.publish(new TestApp.Ping("isolated")).get();
            await().atMost(Duration.ofSeconds(20)).until(() -> app.pings.contains(new TestApp.Ping("isolated")));
            assertThat(ownAdmin.describeTopics(java.util.List.of("pings")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("pings").partitions()).as("partitions() sets num.partitions").hasSize(2);
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }
}
