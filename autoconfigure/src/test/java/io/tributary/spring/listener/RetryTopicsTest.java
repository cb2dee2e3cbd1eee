package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.broker.EmbeddedBroker;
import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Non-blocking retries through retry topics ({@code @TopicListener(retryTopics = true)}), on a real broker: a failing
 * record waits in {@code <topic>-<group>-retry} while the records behind it go on; with {@code keepKeyOrder} the later
 * records of its key wait behind it, also across a restart of the listener; after the last attempt it goes to the
 * dead-letter topic; exactly-once forwards in a transaction. Settings that cannot work fail startup.
 */
@SpringBootTest(classes = RetryTopicsTest.App.class, properties = {
        "spring.application.name=retry-topics-test", "tributary.broker.ephemeral=true"})
class RetryTopicsTest {
    private static final String GROUP = "retry-topics-test";

    @Topic(name = "rt-orders")
    record OrderPlaced(String id) {
    }

    @Topic(name = "rt-ordered")
    record Shipped(String id) {
    }

    @Topic(name = "rt-unordered")
    record Packed(String id) {
    }

    @Topic(name = "rt-restarted")
    record Invoiced(String id) {
    }

    @Topic(name = "rt-poison")
    record Poison(String id) {
    }

    @Topic(name = "rt-replayed")
    record Replayed(String id) {
    }

    @Topic(name = "rt-payments", partitions = 2)
    record PaymentRequested(String id) {
    }

    @Topic(name = "rt-receipts")
    record ReceiptIssued(String paymentId) {
    }

    /** One delivery to a listener: the event's id, the topic it came from, and whether the listener threw. */
    record Delivery(String id, String topic, boolean failed) {
        @Override
        public String toString() {
            return id + (failed ? " failed" : " ok") + " from " + topic;
        }
    }

    @SpringBootApplication
    static class App {
        final List<Delivery> orders = new CopyOnWriteArrayList<>();
        final List<Delivery> shipments = new CopyOnWriteArrayList<>();
        final List<Delivery> packings = new CopyOnWriteArrayList<>();
        final List<Delivery> invoices = new CopyOnWriteArrayList<>();
        final List<Delivery> poisons = new CopyOnWriteArrayList<>();
        final List<Delivery> payments = new CopyOnWriteArrayList<>();
        final List<Delivery> replays = new CopyOnWriteArrayList<>();
        final List<ConsumerRecord<String, byte[]>> deadLetters = new CopyOnWriteArrayList<>();
        final List<ConsumerRecord<String, byte[]>> replayedDeadLetters = new CopyOnWriteArrayList<>();

        @Autowired
        EventTemplate events;

        /** "slow-*" fails its first two deliveries. */
        @TopicListener(retryTopics = true, retries = 3, backoff = "1s", maxBackoff = "1s")
        void onOrder(OrderPlaced order, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
            deliver(orders, order.id(), topic, order.id().startsWith("slow") && count(orders, order.id()) < 2);
        }

        /** "first-*" fails its first delivery, "twice-*" its first two. */
        @TopicListener(id = "ordered", retryTopics = true, keepKeyOrder = true, backoff = "2s")
        void onShipped(Shipped shipped, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
            long delivered = count(shipments, shipped.id());
            deliver(shipments, shipped.id(), topic, shipped.id().startsWith("first") && delivered == 0
                    || shipped.id().startsWith("twice") && delivered < 2);
        }

        /** "first-*" fails its first delivery, and is retried much later. */
        @TopicListener(retryTopics = true, backoff = "60s", maxBackoff = "60s")
        void onPacked(Packed packed, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
            deliver(packings, packed.id(), topic, packed.id().startsWith("first") && count(packings, packed.id()) == 0);
        }

        @TopicListener(id = "restarted", retryTopics = true, keepKeyOrder = true, backoff = "8s")
        void onInvoiced(Invoiced invoiced, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
            deliver(invoices, invoiced.id(), topic, invoiced.id().startsWith("first")
                    && count(invoices, invoiced.id()) == 0);
        }

        @TopicListener(retryTopics = true, retries = 2, backoff = "10ms")
        void onPoison(Poison poison, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
            deliver(poisons, poison.id(), topic, true);
        }

        @TopicListener(retryTopics = true, retries = 1, backoff = "10ms")
        void onReplayed(Replayed replayed, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
            deliver(replays, replayed.id(), topic, true);
        }

        @KafkaListener(topics = "rt-replayed.DLT", groupId = "replay-dlt-reader",
                properties = {"value.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer",
                        "auto.offset.reset=earliest"})
        void onReplayedDeadLetter(ConsumerRecord<String, byte[]> record) {
            replayedDeadLetters.add(record);
        }

        /** Issues a receipt, then fails the first delivery of "retry-*" and every one of "poison-*". */
        @TopicListener(delivery = DeliverySemantics.EXACTLY_ONCE, retryTopics = true, retries = 2, backoff = "500ms")
        void onPayment(PaymentRequested payment, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
            events.publish(payment.id(), new ReceiptIssued(payment.id()));
            deliver(payments, payment.id(), topic, payment.id().startsWith("poison")
                    || payment.id().startsWith("retry") && count(payments, payment.id()) == 0);
        }

        @KafkaListener(topics = "rt-poison.DLT", groupId = "dlt-reader",
                properties = {"value.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer",
                        "auto.offset.reset=earliest"})
        void onDeadLetter(ConsumerRecord<String, byte[]> record) {
            deadLetters.add(record);
        }

        private static long count(List<Delivery> deliveries, String id) {
            return deliveries.stream().filter(delivery -> delivery.id().equals(id)).count();
        }

        private static void deliver(List<Delivery> deliveries, String id, String topic, boolean fail) {
            deliveries.add(new Delivery(id, topic, fail));
            if (fail) {
                throw new IllegalStateException("cannot handle " + id + " yet");
            }
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Autowired
    KafkaListenerEndpointRegistry registry;

    @Autowired
    KafkaConnectionDetails connection;

    @Test
    void failingRecordWaitsInTheRetryTopicWhileALaterRecordOfTheSamePartitionGoesOn() throws Exception {
        events.publish("a", new OrderPlaced("slow-1")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> !app.orders.isEmpty());
        events.publish("b", new OrderPlaced("fast-2")).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.orders.size() == 4);
        String retryTopic = "rt-orders-" + GROUP + "-retry";
        assertThat(app.orders).containsExactly(
                new Delivery("slow-1", "rt-orders", true),
                new Delivery("fast-2", "rt-orders", false),
                new Delivery("slow-1", retryTopic, true),
                new Delivery("slow-1", retryTopic, false));
    }

    @Test
    void withKeepKeyOrderALaterRecordOfTheKeyWaitsBehindTheRetriedOneAndOtherKeysGoOn() throws Exception {
        events.publish("k", new Shipped("first-1")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> !app.shipments.isEmpty());
        events.publish("k", new Shipped("second-1")).get();
        events.publish("x", new Shipped("other-1")).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.shipments.stream()
                .anyMatch(delivery -> delivery.id().equals("second-1")));
        String retryTopic = "rt-ordered-" + GROUP + "-retry";
        assertThat(app.shipments.stream().filter(delivery -> delivery.id().endsWith("-1")
                && !delivery.id().startsWith("other"))).containsExactly(
                new Delivery("first-1", "rt-ordered", true),
                new Delivery("first-1", retryTopic, false),
                new Delivery("second-1", retryTopic, false));
        // A key with nothing in retry is not held.
        assertThat(app.shipments).contains(new Delivery("other-1", "rt-ordered", false));
    }

    @Test
    void withKeepKeyOrderALaterRecordOfTheKeyStaysBehindARecordThatFailsAgain() throws Exception {
        events.publish("j", new Shipped("twice-2")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.shipments.stream()
                .anyMatch(delivery -> delivery.id().equals("twice-2")));
        events.publish("j", new Shipped("after-2")).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.shipments.stream()
                .anyMatch(delivery -> delivery.id().equals("after-2")));
        String retryTopic = "rt-ordered-" + GROUP + "-retry";
        assertThat(app.shipments.stream().filter(delivery -> delivery.id().endsWith("-2"))).containsExactly(
                new Delivery("twice-2", "rt-ordered", true),
                new Delivery("twice-2", retryTopic, true),
                new Delivery("twice-2", retryTopic, false),
                new Delivery("after-2", retryTopic, false));
    }

    @Test
    void withoutKeepKeyOrderALaterRecordOfTheKeyIsNotHeld() throws Exception {
        events.publish("k", new Packed("first-1")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> !app.packings.isEmpty());
        events.publish("k", new Packed("second-1")).get();

        // first-1 is due only a minute after its failure, so second-1 overtakes it.
        await().atMost(Duration.ofSeconds(20)).until(() -> app.packings.size() == 2);
        assertThat(app.packings).containsExactly(
                new Delivery("first-1", "rt-unordered", true),
                new Delivery("second-1", "rt-unordered", false));
    }

    @Test
    void keyOrderHoldsAcrossARestartOfTheListener() throws Exception {
        events.publish("k", new Invoiced("first-1")).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> !app.invoices.isEmpty());
        // The restarted consumer knows only what it reads back from the retry topic's backlog.
        registry.getListenerContainer("restarted").stop();
        registry.getListenerContainer("restarted").start();
        events.publish("k", new Invoiced("second-1")).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.invoices.size() == 3);
        String retryTopic = "rt-restarted-" + GROUP + "-retry";
        assertThat(app.invoices).containsExactly(
                new Delivery("first-1", "rt-restarted", true),
                new Delivery("first-1", retryTopic, false),
                new Delivery("second-1", retryTopic, false));
    }

    @Test
    void recordThatFailsEveryAttemptEndsInTheDeadLetterTopicWithTheFailure() throws Exception {
        events.publish("p", new Poison("poison-1")).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.deadLetters.size() == 1);
        String retryTopic = "rt-poison-" + GROUP + "-retry";
        assertThat(app.poisons).containsExactly(new Delivery("poison-1", "rt-poison", true),
                new Delivery("poison-1", retryTopic, true), new Delivery("poison-1", retryTopic, true));
        ConsumerRecord<String, byte[]> dead = app.deadLetters.get(0);
        assertThat(dead.key()).isEqualTo("p");
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).contains("\"id\":\"poison-1\"");
        assertThat(header(dead, "kafka_dlt-exception-message")).contains("cannot handle poison-1 yet");
        assertThat(header(dead, "kafka_dlt-exception-fqcn")).isNotEmpty();
        assertThat(header(dead, "kafka_dlt-original-topic")).isEqualTo("rt-poison");
        assertThat(ByteBuffer.wrap(dead.headers().lastHeader("kafka_dlt-original-offset").value()).getLong())
                .isZero();
        assertThat(header(dead, RetryTopicHeaders.ATTEMPT)).isEqualTo("3");
    }

    @Test
    void deadLetterReplayedOntoTheTopicStartsItsAttemptsAfresh() throws Exception {
        // As copied back from a dead-letter topic: its last life's attempt and origin in the headers.
        events.publish("d", new Replayed("replayed-1"), Map.of(RetryTopicHeaders.ATTEMPT, "5",
                "kafka_dlt-original-topic", "elsewhere",
                "kafka_dlt-original-offset", ByteBuffer.allocate(Long.BYTES).putLong(42).array())).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.replayedDeadLetters.size() == 1);
        assertThat(app.replays).containsExactly(new Delivery("replayed-1", "rt-replayed", true),
                new Delivery("replayed-1", "rt-replayed-" + GROUP + "-retry", true));
        ConsumerRecord<String, byte[]> dead = app.replayedDeadLetters.get(0);
        assertThat(header(dead, RetryTopicHeaders.ATTEMPT)).isEqualTo("2");
        assertThat(header(dead, "kafka_dlt-original-topic")).isEqualTo("rt-replayed");
        assertThat(ByteBuffer.wrap(dead.headers().lastHeader("kafka_dlt-original-offset").value()).getLong())
                .isZero();
    }

    @Test
    void exactlyOnceForwardsTheFailedRecordInTheTransactionThatCommitsItsOffset() throws Exception {
        events.publish("r", new PaymentRequested("retry-1")).get();
        events.publish("o", new PaymentRequested("ok-2")).get();
        events.publish("p", new PaymentRequested("poison-3")).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> app.payments.stream()
                .filter(delivery -> delivery.id().equals("poison-3")).count() == 3
                && app.payments.contains(new Delivery("retry-1", "rt-payments-" + GROUP + "-retry", false))
                && app.payments.stream().anyMatch(delivery -> delivery.id().equals("ok-2")));
        // Receipts of failed attempts were aborted with their transaction: one committed per successful delivery.
        Map<String, List<ConsumerRecord<String, String>>> receipts = readCommitted("rt-receipts", 2);
        assertThat(receipts.keySet()).containsExactlyInAnyOrder("retry-1", "ok-2");
        receipts.forEach((id, records) -> assertThat(records).as(id).hasSize(1));
        Map<String, List<ConsumerRecord<String, String>>> retried =
                readCommitted("rt-payments-" + GROUP + "-retry", 2);
        assertThat(retried.get("r")).hasSize(1);
        assertThat(header(retried.get("r").get(0), RetryTopicHeaders.ATTEMPT)).isEqualTo("2");
        assertThat(retried.get("p")).hasSize(2);
        assertThat(readCommitted("rt-payments.DLT", 1)).containsOnlyKeys("p");
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** Reads a topic from the start under read_committed until {@code keys} distinct keys arrived and it is idle. */
    private Map<String, List<ConsumerRecord<String, String>>> readCommitted(String topic, int keys) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", connection.getBootstrapServers()));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "verifier-" + topic);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, List<ConsumerRecord<String, String>>> byKey = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int idlePolls = 0;
            while (System.nanoTime() < deadline && (byKey.size() < keys || idlePolls < 3)) {
                var records = consumer.poll(Duration.ofMillis(300));
                idlePolls = records.isEmpty() ? idlePolls + 1 : 0;
                for (ConsumerRecord<String, String> record : records) {
                    byKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record);
                }
            }
        }
        return byKey;
    }

    /** Startup failures and topic declarations, each in a context of its own whose listeners do not start. */
    static class Settings {
        static final ApplicationContextRunner CONTEXTS = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                        KafkaAutoConfiguration.class, TributaryListenerAutoConfiguration.class))
                .withPropertyValues("tributary.broker.ephemeral=true", "spring.application.name=retry-settings",
                        "spring.kafka.listener.auto-startup=false");

        static class AtMostOnce {
            @TopicListener(topics = "s-amo", delivery = DeliverySemantics.AT_MOST_ONCE, retryTopics = true)
            void on(String entry) {
            }
        }

        static class KeyOrderWithoutRetryTopics {
            @TopicListener(topics = "s-blocking", keepKeyOrder = true)
            void on(String entry) {
            }
        }

        static class Plain {
            @TopicListener(topics = "s-plain")
            void on(String entry) {
            }
        }

        static class RetryTopicsWithKeyOrder {
            @TopicListener(id = "both", topics = "s-both", retryTopics = true, keepKeyOrder = true)
            void on(String entry) {
            }
        }

        static class Batch {
            @TopicListener(topics = "s-batch", batch = true, retryTopics = true)
            void on(List<String> entries) {
            }
        }

        static class RoundRobin {
            @TopicListener(topics = "s-rr", retryTopics = true, keepKeyOrder = true, properties =
                    "partition.assignment.strategy=org.apache.kafka.clients.consumer.RoundRobinAssignor")
            void on(String entry) {
            }
        }

        static class SpacedGroup {
            @TopicListener(topics = "s-spaced", groupId = "billing team", retryTopics = true)
            void on(String entry) {
            }
        }

        @Topic(name = "s-compacted", partitions = 3, configs = "cleanup.policy=compact")
        record Compacted(String id) {
        }

        static class CompactedListener {
            @TopicListener(retryTopics = true)
            void on(Compacted compacted) {
            }
        }
    }

    @Test
    void retryTopicsOnAnAtMostOnceListenerFailStartup() {
        Settings.CONTEXTS.withBean(Settings.AtMostOnce.class).run(context -> assertFailure(context,
                Settings.AtMostOnce.class.getName() + "#on (tributary.listeners.at-most-once-on) sets retries, but it"
                        + " is at-most-once, which never redelivers a record. Remove the retry settings, or choose"
                        + " at-least-once or exactly-once."));
    }

    @Test
    void keepKeyOrderWithoutRetryTopicsFailsStartup() {
        Settings.CONTEXTS.withBean(Settings.KeyOrderWithoutRetryTopics.class).run(context -> assertFailure(context,
                Settings.KeyOrderWithoutRetryTopics.class.getName() + "#on (tributary.listeners."
                        + "key-order-without-retry-topics-on) sets keepKeyOrder without retryTopics; blocking"
                        + " retries never let a record overtake another, so keepKeyOrder applies only to retry"
                        + " topics. Set retryTopics = true (or tributary.listeners.key-order-without-retry-topics-on"
                        + ".retry-topics=true), or remove keepKeyOrder."));
    }

    @Test
    void keepKeyOrderFromConfigurationWithoutRetryTopicsFailsStartup() {
        Settings.CONTEXTS.withPropertyValues("tributary.listeners.plain-on.keep-key-order=true")
                .withBean(Settings.Plain.class)
                .run(context -> assertFailure(context, Settings.Plain.class.getName() + "#on (tributary.listeners"
                        + ".plain-on) sets keepKeyOrder without retryTopics"));
    }

    @Test
    void configurationMayTurnOffTheRetryTopicsOfAListenerThatKeepsKeyOrder() {
        Settings.CONTEXTS.withPropertyValues("tributary.listeners.both.retry-topics=false")
                .withBean(Settings.RetryTopicsWithKeyOrder.class).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(KafkaListenerEndpointRegistry.class).getListenerContainer("both")
                            .getContainerProperties().getTopics()).containsExactly("s-both");
                });
    }

    @Test
    void retryTopicsOnABatchListenerFailStartup() {
        Settings.CONTEXTS.withBean(Settings.Batch.class).run(context -> assertFailure(context,
                "sets retryTopics on a batch listener, but retry topics forward single records. Remove batch = true"));
    }

    @Test
    void keepKeyOrderWithAnotherAssignorFailsStartup() {
        Settings.CONTEXTS.withBean(Settings.RoundRobin.class).run(context -> assertFailure(context,
                "sets keepKeyOrder, which needs partition.assignment.strategy="
                        + "org.apache.kafka.clients.consumer.RangeAssignor so that a topic's partition and its retry"
                        + " topic's go to one consumer, but its properties set"
                        + " org.apache.kafka.clients.consumer.RoundRobinAssignor. Remove that property, or remove"
                        + " keepKeyOrder."));
    }

    @Test
    void keepKeyOrderSubscribesTheRetryTopicInTheListenersGroupWithTheRangeAssignor() {
        Settings.CONTEXTS.withBean(Settings.RetryTopicsWithKeyOrder.class).run(context -> {
            assertThat(context).hasNotFailed();
            var container = context.getBean(KafkaListenerEndpointRegistry.class).getListenerContainer("both");
            assertThat(container.getContainerProperties().getTopics())
                    .containsExactly("s-both", "s-both-retry-settings-retry");
            assertThat(container.getContainerProperties().getKafkaConsumerProperties()
                    .getProperty("partition.assignment.strategy"))
                    .isEqualTo("org.apache.kafka.clients.consumer.RangeAssignor");
        });
    }

    @Test
    void retryTopicIsCreatedWithItsTopicsPartitionsButNotItsCompaction() {
        Settings.CONTEXTS.withBean(Settings.CompactedListener.class).run(context -> {
            assertThat(context).hasNotFailed();
            String retryTopic = "s-compacted-retry-settings-retry";
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    context.getBean(EmbeddedBroker.class).bootstrapServers()))) {
                var topics = admin.describeTopics(List.of("s-compacted", retryTopic)).allTopicNames()
                        .get(10, TimeUnit.SECONDS);
                assertThat(topics.get(retryTopic).partitions()).hasSize(3);
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, retryTopic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource)
                        .get("cleanup.policy").value()).isEqualTo("delete");
            }
        });
    }

    @Test
    void groupIdThatMakesNoTopicNameFailsStartup() {
        Settings.CONTEXTS.withBean(Settings.SpacedGroup.class).run(context -> assertFailure(context,
                "would retry through topic 's-spaced-billing team-retry', which is not a valid topic name"));
    }

    @Test
    void backoffDoublesFromTheSecondAttemptUpToTheMaximum() {
        var schedule = new RetryTopicSchedule(5, Duration.ofMillis(200), Duration.ofMillis(500));
        assertThat(List.of(2, 3, 4, 5)).map(schedule::backoffBefore).containsExactly(Duration.ofMillis(200),
                Duration.ofMillis(400), Duration.ofMillis(500), Duration.ofMillis(500));
        assertThat(schedule.retries(4)).isTrue();
        assertThat(schedule.retries(5)).isFalse();
    }

    @Test
    void keyIsHeldOnlyBehindAnEarlierRecordOfItsOwnInRetry() {
        var keyOrder = new RetryTopicKeyOrder();
        var partition = new TopicPartition("t", 0);
        keyOrder.forwarded(partition, "k", 5);
        keyOrder.forwarded(partition, "k", 5);
        keyOrder.forwarded(partition, new byte[] {1}, 3);
        keyOrder.forwarded(partition, null, 1);

        assertThat(keyOrder.hasEarlier(partition, "k", 9)).isTrue();
        assertThat(keyOrder.hasEarlier(partition, "k", 5)).as("the record itself").isFalse();
        assertThat(keyOrder.hasEarlier(partition, "other", 9)).isFalse();
        assertThat(keyOrder.hasEarlier(partition, new byte[] {1}, 4)).as("byte[] keys by value").isTrue();
        assertThat(keyOrder.hasEarlier(partition, null, 9)).as("null keys are never held").isFalse();
        assertThat(keyOrder.hasEarlier(new TopicPartition("t", 1), "k", 9)).isFalse();
        keyOrder.resolved(partition, "k", 5);
        assertThat(keyOrder.hasEarlier(partition, "k", 9)).as("a second copy is still in retry").isTrue();
        keyOrder.resolved(partition, "k", 5);
        assertThat(keyOrder.hasEarlier(partition, "k", 9)).isFalse();
        keyOrder.assigned(partition, List.of(new RetryTopicKeyOrder.Waiting("n", 7)));
        assertThat(keyOrder.hasEarlier(partition, "n", 8)).isTrue();
        assertThat(keyOrder.hasEarlier(partition, new byte[] {1}, 4)).as("replaced on assignment").isFalse();
    }

    @Test
    void keyOrderChangesInATransactionTakeEffectWhenItCommits() {
        var keyOrder = new RetryTopicKeyOrder();
        var partition = new TopicPartition("t", 0);
        TransactionSynchronizationManager.initSynchronization();
        try {
            keyOrder.forwarded(partition, "k", 5);
            assertThat(keyOrder.hasEarlier(partition, "k", 9)).isFalse();
            TransactionSynchronizationManager.getSynchronizations().forEach(TransactionSynchronization::afterCommit);
        } finally {
            TransactionSynchronizationManager.clearSynchronization();
        }
        assertThat(keyOrder.hasEarlier(partition, "k", 9)).isTrue();
    }

    private static void assertFailure(AssertableApplicationContext context, String message) {
        assertThat(context).getFailure().hasStackTraceContaining(message);
    }
}
