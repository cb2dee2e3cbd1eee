package io.tributary.spring.test;

import io.tributary.spring.listener.TopicListenerEnhancer;
import io.tributary.spring.listener.TopicListenerEnhancer.ListenerEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * What a test of a Tributary application asks its cluster: the records on a topic, the dead letters of a listener's
 * topic, and whether the listeners have caught up. A bean in every {@link EmbeddedTributary} test's context:
 *
 * <pre>{@code
 * @Autowired TributaryTestClient tributary;
 *
 * events.publish(new OrderPlaced("o-1", 700)).get();
 * tributary.awaitNoLag(Duration.ofSeconds(10));                       // every listener has handled it
 * assertThat(tributary.read("invoices", 1, Duration.ofSeconds(5))).singleElement()...;
 * assertThat(tributary.deadLetters("orders", 1).get(0).exceptionMessage()).contains("card declined");
 * }</pre>
 *
 * Reads use no consumer group (nothing is committed, no listener's group is disturbed) and see committed records
 * only ({@code read_committed}), keys and values as strings (JSON events as their JSON text).
 */
public final class TributaryTestClient {
    /** How long {@link #deadLetters(String, int)} waits: several back-offs of a retried listener. */
    static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaConnectionDetails connection;
    private final TopicListenerEnhancer listeners;
    private final KafkaListenerEndpointRegistry registry;
    private final String deadLetterSuffix;

    TributaryTestClient(KafkaConnectionDetails connection, TopicListenerEnhancer listeners,
                        KafkaListenerEndpointRegistry registry, String deadLetterSuffix) {
        this.connection = connection;
        this.listeners = listeners;
        this.registry = registry;
        this.deadLetterSuffix = deadLetterSuffix;
    }

    /**
     * The records of {@code topic} from its beginning, once exactly {@code count} have arrived and no more are
     * there; an {@link AssertionError} listing what arrived when there are fewer within {@code timeout}, or more.
     */
    public List<ConsumerRecord<String, String>> read(String topic, int count, Duration timeout) {
        return new TopicReader(clientConfig()).read(topic, count, timeout);
    }

    /**
     * The records that listeners of {@code topic} gave up on: exactly {@code count} from its dead-letter topic
     * ({@code <topic>.DLT}, or {@code tributary.listener.dead-letter-suffix}), waiting up to 30 seconds.
     */
    public List<DeadLetter> deadLetters(String topic, int count) {
        return deadLetters(topic, count, DEAD_LETTER_TIMEOUT);
    }

    /** {@link #deadLetters(String, int)}, waiting up to {@code timeout}. */
    public List<DeadLetter> deadLetters(String topic, int count, Duration timeout) {
        return read(topic + deadLetterSuffix, count, timeout).stream().map(DeadLetter::of).toList();
    }

    /**
     * Waits until every running {@code @TopicListener} has committed every record on its topics (its consumer
     * group's committed offsets reach the topics' end offsets); an {@link AssertionError} naming the listeners still
     * behind and by how much after {@code timeout}.
     */
    public void awaitNoLag(Duration timeout) {
        new ListenerLag(clientConfig()).await(endpoints().stream().filter(this::isRunning).toList(), timeout);
    }

    /** {@link #awaitNoLag(Duration)} for the listener with id {@code listenerId} only. */
    public void awaitNoLag(String listenerId, Duration timeout) {
        ListenerEndpoint endpoint = endpoints().stream().filter(e -> e.id().equals(listenerId)).findFirst()
                .orElseThrow(() -> new AssertionError("No @TopicListener has id '" + listenerId + "'; the ids are "
                        + endpoints().stream().map(ListenerEndpoint::id).toList()));
        new ListenerLag(clientConfig()).await(List.of(endpoint), timeout);
    }

    private List<ListenerEndpoint> endpoints() {
        return listeners == null ? List.of() : listeners.endpoints();
    }

    private boolean isRunning(ListenerEndpoint endpoint) {
        MessageListenerContainer container = registry == null ? null : registry.getListenerContainer(endpoint.id());
        return container == null || container.isRunning();
    }

    private Map<String, Object> clientConfig() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",",
                connection.getBootstrapServers()));
    }
}
