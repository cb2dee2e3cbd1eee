package io.tributary.spring.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.EventTemplate;
import io.tributary.spring.broker.EmbeddedBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * An isolated class has a context and a broker of its own: not the shared classes' broker, and its topics and
 * consumer groups are its own only.
 */
@SpringBootTest(classes = TestApp.class, properties = "spring.application.name=isolated")
@EmbeddedTributary(isolated = true, partitions = 2)
class IsolatedBrokerTest {

    @Autowired
    EmbeddedBroker broker;

    @Autowired
    EventTemplate events;

    @Autowired
    TestApp app;

    @Test
    void brokerTopicsAndGroupsAreTheClasssOwn() throws Exception {
        var shared = TestApp.SHARED_CONTEXT.get();
        if (shared != null) {
            assertThat(shared.getBean(EmbeddedBroker.class)).isNotSameAs(broker);
        }
        events.publish(new TestApp.Ping("isolated")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.pings.contains(new TestApp.Ping("isolated")));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            assertThat(admin.describeTopics(List.of("pings")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("pings").partitions()).as("partitions() sets num.partitions").hasSize(2);
            assertThat(admin.listConsumerGroups().all().get(10, TimeUnit.SECONDS))
                    .extracting(ConsumerGroupListing::groupId).containsExactly("isolated");
        }
    }
}
