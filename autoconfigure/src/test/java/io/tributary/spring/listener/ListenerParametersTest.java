package io.tributary.spring.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.kafka.listener.adapter.ConsumerRecordMetadata;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a listener method can ask for: the event by its type, key, headers, partition and offset, a batch as a {@code List}; two listeners of one event type in different groups each
 * get every event; events published with Spring's {@code publishEvent} reach the topic (after the surrounding
 * transaction commits, never when it rolls back).
 */
@SpringBootTest(classes = ListenerParametersTest.App.class, properties = {
        "spring.application.name=parameters-test", "tributary.broker.ephemeral=true"})
class ListenerParametersTest {

    @Topic(name = "lp-shipments", partitions = 3)
    record Shipped(String parcel, int weightGrams) {
    }

    record Seen(String parcel, String key, String header, int partition, long offset) {
    }

    @SpringBootApplication
    static class App {
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        final List<Shipped> viaRecord = new CopyOnWriteArrayList<>();
        final List<List<Shipped>> batches = new CopyOnWriteArrayList<>();

        @TopicListener
        void withMetadata(Shipped shipped, @Header(name = KafkaHeaders.RECEIVED_KEY, required = false) String key,
                          @Header(name = "origin", required = false) String origin, ConsumerRecordMetadata meta) {
            seen.add(new Seen(shipped.parcel(), key, origin, meta.partition(), meta.offset()));
        }

        @TopicListener(groupId = "parameters-test-second")
        void inAnotherGroup(Shipped shipped) {
            viaRecord.add(shipped);
        }

        final java.util.Map<Integer, String> threadByPartition = new java.util.concurrent.ConcurrentHashMap<>();

        @TopicListener(id = "concurrent", groupId = "parameters-test-concurrent", concurrency = "3")
        void concurrently(Shipped shipped, ConsumerRecordMetadata meta) {
            if (shipped.parcel().startsWith("c-")) {
                threadByPartition.put(meta.partition(), Thread.currentThread().getName());
            }
        }

        @TopicListener(groupId = "parameters-test-batches", batch = true)
        void inBatches(List<Shipped> shipments) {
            batches.add(List.copyOf(shipments));
        }

        @org.springframework.context.annotation.Bean
        AbstractPlatformTransactionManager testTransactionManager() {
            return new AbstractPlatformTransactionManager() {
                @Override
                protected Object doGetTransaction() {
                    return new Object();
                }

                @Override
                protected void doBegin(Object transaction, org.springframework.transaction.TransactionDefinition d) {
                }

                @Override
                protected void doCommit(DefaultTransactionStatus status) {
                }

                @Override
                protected void doRollback(DefaultTransactionStatus status) {
                }
            };
        }
    }

    @Autowired
    App app;

    @Autowired
    EventTemplate events;

    @Autowired
    ApplicationEventPublisher publisher;

    @Autowired
    org.springframework.kafka.config.KafkaListenerEndpointRegistry listeners;

    @Autowired
    AbstractPlatformTransactionManager transactions;

    @Test
    void listenerGetsEventKeyHeadersPartitionAndOffset() throws Exception {
        var metadata = events.send("lp-shipments", "p-1", new Shipped("p-1", 700), Map.of("origin", "depot-7")).get();

        await().atMost(Duration.ofSeconds(20)).until(() -> app.seen.stream().anyMatch(s -> s.parcel().equals("p-1")));
        Seen seen = app.seen.stream().filter(s -> s.parcel().equals("p-1")).findFirst().orElseThrow();
        assertThat(seen).isEqualTo(new Seen("p-1", "p-1", "depot-7", metadata.partition(), metadata.offset()));
        await().atMost(Duration.ofSeconds(20)).until(() -> app.viaRecord.contains(new Shipped("p-1", 700)));
    }

    @Test
    void concurrencyRunsAConsumerThreadPerPartition() throws Exception {
        var container = listeners.getListenerContainer("concurrent");
        // Three consumers of one group: once the group settles, each holds one of the three partitions.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var assignments = container.getAssignmentsByClientId();
            return assignments != null && assignments.size() == 3
                    && assignments.values().stream().allMatch(partitions -> partitions.size() == 1);
        });
        for (int partition = 0; partition < 3; partition++) {
            events.send(new org.apache.kafka.clients.producer.ProducerRecord<>("lp-shipments", partition, "c",
                    new Shipped("c-" + partition, partition))).get();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> app.threadByPartition.size() == 3);
        assertThat(java.util.Set.copyOf(app.threadByPartition.values())).hasSize(3);
    }

    @Test
    void batchListenerGetsTypedLists() throws Exception {
        for (int i = 0; i < 10; i++) {
            events.publish("b-" + i, new Shipped("b-" + i, i)).get();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> app.batches.stream().flatMap(List::stream)
                .filter(s -> s.parcel().startsWith("b-")).count() == 10);
        assertThat(app.batches.stream().flatMap(List::stream).filter(s -> s.parcel().startsWith("b-")))
                .allSatisfy(s -> assertThat(s).isInstanceOf(Shipped.class))
                .extracting(Shipped::parcel).doesNotHaveDuplicates();
    }

    @Test
    void springApplicationEventsOfTopicTypesGoToTheTopicAfterCommit() {
        publisher.publishEvent(new Shipped("spring-1", 1));
        var template = new TransactionTemplate(transactions);
        template.executeWithoutResult(status -> publisher.publishEvent(new Shipped("spring-committed", 2)));
        template.executeWithoutResult(status -> {
            publisher.publishEvent(new Shipped("spring-rolled-back", 3));
            status.setRollbackOnly();
        });
        publisher.publishEvent(new Shipped("spring-last", 4));

        // Without keys the events may land on different partitions: wait for all that must arrive, in any order.
        await().atMost(Duration.ofSeconds(20)).until(() -> app.viaRecord.containsAll(List.of(
                new Shipped("spring-1", 1), new Shipped("spring-committed", 2), new Shipped("spring-last", 4))));
        assertThat(app.viaRecord).doesNotContain(new Shipped("spring-rolled-back", 3));
    }
}
