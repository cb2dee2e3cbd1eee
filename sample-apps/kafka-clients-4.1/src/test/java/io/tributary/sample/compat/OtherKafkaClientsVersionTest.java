package io.tributary.sample.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.broker.server.Broker;
import io.tributary.spring.EventTemplate;
import java.time.Duration;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The application's kafka-clients is 4.1 while the broker is built on 4.2: the broker's own copy is relocated,
 * so the app's clients, spring-kafka and the embedded broker work together in one JVM.
 */
@SpringBootTest(properties = {"spring.application.name=clients-4-1", "tributary.broker.ephemeral=true"})
class OtherKafkaClientsVersionTest {

    @Autowired
    GreetingApp app;

    @Autowired
    EventTemplate events;

    @Test
    void appOnKafkaClients41TalksToTheEmbeddedBroker() throws Exception {
        assertThat(AppInfoParser.getVersion()).as("the application's kafka-clients")
                .isEqualTo(System.getProperty("app.kafka-clients.version")).startsWith("4.1.");
        assertThat(Broker.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .as("the broker comes from its packaged (relocated) jar").endsWith(".jar");
        assertThat(Class.forName("io.tributary.shaded.org.apache.kafka.common.utils.AppInfoParser"))
                .as("the broker's own, relocated kafka-clients").isNotNull();

        for (int i = 0; i < 20; i++) {
            events.publish("k" + i, new GreetingApp.Greeting("k" + i, "hello " + i)).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> app.greetings().size() == 20);
        assertThat(app.greetings()).extracting(GreetingApp.Greeting::from).doesNotHaveDuplicates();
    }
}
