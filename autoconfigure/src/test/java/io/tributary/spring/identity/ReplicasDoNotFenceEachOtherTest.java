package io.tributary.spring.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.EmbeddedBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Two replicas of one exactly-once application (same name, same state directory) on one cluster, both processing:
 * their transactional ids differ, so neither fences the other's producer, and a read_committed reader finds
 * exactly one output per input.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReplicasDoNotFenceEachOtherTest {
    private static final int ORDERS = 40;

    @Topic(name = "twin-orders", partitions = 2)
    record TwinOrder(String id) {
    }

    @Topic(name = "twin-invoices", partitions = 2)
    record TwinInvoice(String orderId) {
    }

    /** Counts what this replica handled; each context has its own. */
    static class Billing {
        final Set<String> handled = ConcurrentHashMap.newKeySet();

        @Autowired
        EventTemplate events;

        @TopicListener(delivery = DeliverySemantics.EXACTLY_ONCE)
        void on(TwinOrder order) {
            events.publish(order.id(), new TwinInvoice(order.id()));
            handled.add(order.id());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class TwinApp {
        @Bean
        Billing billing() {
            return new Billing();
        }
    }

    @TempDir
    Path dir;

    @Test
    void twoReplicasProcessEachOrderOnceWithoutFencing(CapturedOutput output) throws Exception {
        var brokerProperties = new TributaryProperties.Broker();
        brokerProperties.setDataDir(dir.resolve("broker"));
        brokerProperties.setEphemeral(true);
        try (EmbeddedBroker broker = EmbeddedBroker.start(brokerProperties, "twin-cluster")) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("twin-orders", 2, (short) 1),
                        new NewTopic("twin-invoices", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (ConfigurableApplicationContext first = start(bootstrap);
                 ConfigurableApplicationContext second = start(bootstrap)) {
                ApplicationIdentity one = first.getBean(ApplicationIdentity.class);
                ApplicationIdentity two = second.getBean(ApplicationIdentity.class);
                assertThat(one.instanceId()).isNotEqualTo(two.instanceId());
                assertThat(dir.resolve("state/instances/0.id")).hasContent(one.instanceId());
                assertThat(dir.resolve("state/instances/1.id")).hasContent(two.instanceId());
                await().atMost(Duration.ofSeconds(30)).until(() -> assigned(first) == 1 && assigned(second) == 1);

                placeOrders(bootstrap);
                Billing a = first.getBean(Billing.class);
                Billing b = second.getBean(Billing.class);
                await().atMost(Duration.ofSeconds(30)).until(() -> a.handled.size() + b.handled.size() >= ORDERS);
                assertThat(a.handled).as("both replicas process").isNotEmpty();
                assertThat(b.handled).as("both replicas process").isNotEmpty();

                Map<String, Integer> invoices = readCommitted(bootstrap);
                for (int i = 0; i < ORDERS; i++) {
                    assertThat(invoices.get("order-" + i)).as("invoices for order-" + i).isEqualTo(1);
                }
                assertThat(invoices).hasSize(ORDERS);
            }
        }
        assertThat(output).doesNotContain("ProducerFencedException").doesNotContain("InvalidProducerEpoch");
    }

    private ConfigurableApplicationContext start(String bootstrap) {
        SpringApplication application = new SpringApplication(TwinApp.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        return application.run("--spring.application.name=twin-billing", "--spring.kafka.bootstrap-servers="
                + bootstrap, "--tributary.broker.data-dir=" + dir.resolve("state"), "--spring.jmx.enabled=false");
    }

    private static int assigned(ConfigurableApplicationContext context) {
        int partitions = 0;
        for (MessageListenerContainer container : context.getBean(KafkaListenerEndpointRegistry.class)
                .getListenerContainers()) {
            var assignment = container.getAssignedPartitions();
            partitions += assignment == null ? 0 : assignment.size();
        }
        return partitions;
    }

    private static void placeOrders(String bootstrap) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < ORDERS; i++) {
                producer.send(new ProducerRecord<>("twin-orders", "order-" + i, "{\"id\":\"order-" + i + "\"}"))
                        .get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Invoices per order under read_committed, read until every order has one and the topic stays idle. */
    private static Map<String, Integer> readCommitted(String bootstrap) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "twin-verifier");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Integer> perOrder = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("twin-invoices"));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int idlePolls = 0;
            while (System.nanoTime() < deadline && (perOrder.size() < ORDERS || idlePolls < 3)) {
                var records = consumer.poll(Duration.ofMillis(300));
                idlePolls = records.isEmpty() ? idlePolls + 1 : 0;
                for (ConsumerRecord<String, String> record : records) {
                    perOrder.merge(record.key(), 1, Integer::sum);
                }
            }
        }
        return perOrder;
    }
}
