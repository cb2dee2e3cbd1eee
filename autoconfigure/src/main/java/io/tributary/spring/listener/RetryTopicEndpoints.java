package io.tributary.spring.listener;

import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.springframework.core.annotation.MergedAnnotation;

/**
 * What {@code retryTopics} and {@code keepKeyOrder} change in a {@code @TopicListener} before spring-kafka builds
 * its container, and the settings they cannot work with, which fail startup naming the listener and what to change.
 * The container subscribes to each topic and then to its retry topic ({@link RetryTopicNames}), in the listener's
 * own group; with {@code keepKeyOrder} its consumers use the RangeAssignor, which gives partition p of a topic and
 * of its retry topic (same partition count) to the same consumer, the one that knows which keys wait in retry.
 */
final class RetryTopicEndpoints {
    private static final String RANGE_ASSIGNOR = RangeAssignor.class.getName();

    private RetryTopicEndpoints() {
    }

    /**
     * Fails for retry-topic settings that cannot be honoured.
     *
     * @param listener the annotation, to tell settings it made from those configuration changed
     * @param batch whether the listener receives batches
     * @param properties the listener's consumer properties ({@code name=value}), or null
     */
    static void check(TopicListener listener, ListenerRetry retry, List<String> topics, String groupId,
                      boolean batch, String[] properties, String id, String method) {
        String where = "@TopicListener method " + method + " (tributary.listeners." + id + ")";
        // Blocking retries keep every key's order by themselves: keepKeyOrder is for retry topics. Only
        // configuration that turns off the retry topics the annotation asked for (retry-topics=false) may leave it.
        boolean retryTopicsTurnedOff = listener.retryTopics() && listener.keepKeyOrder();
        if (retry.keepKeyOrder() && !retry.retryTopics() && !retryTopicsTurnedOff) {
            throw new IllegalStateException(where + " sets keepKeyOrder without retryTopics; blocking retries"
                    + " never let a record overtake another, so keepKeyOrder applies only to retry topics. Set"
                    + " retryTopics = true (or tributary.listeners." + id + ".retry-topics=true), or remove"
                    + " keepKeyOrder.");
        }
        if (!retry.retryTopics()) {
            return;
        }
        if (batch) {
            throw new IllegalStateException(where + " sets retryTopics on a batch listener, but retry topics"
                    + " forward single records. Remove batch = true (and spring.kafka.listener.type=batch), or"
                    + " remove retryTopics for blocking retries.");
        }
        if (topics.isEmpty()) {
            throw new IllegalStateException(where + " sets retryTopics but names no topics (topicPattern or"
                    + " topicPartitions), and retry topics are named after their topics. Name the topics, or"
                    + " remove retryTopics.");
        }
        for (String topic : topics) {
            String retryTopic = RetryTopicNames.retryTopic(topic, groupId);
            if (!RetryTopicNames.isLegal(retryTopic)) {
                throw new IllegalStateException(where + " would retry through topic '" + retryTopic + "', which is"
                        + " not a valid topic name (letters, digits, '.', '_' and '-', at most 249 characters)."
                        + " Give the listener a groupId of such characters (@TopicListener(groupId = \"...\")).");
            }
        }
        String assignor = parse(properties).getProperty(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        if (retry.keepKeyOrder() && assignor != null && !assignor.trim().equals(RANGE_ASSIGNOR)) {
            throw new IllegalStateException(where + " sets keepKeyOrder, which needs "
                    + ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG + "=" + RANGE_ASSIGNOR + " so that a"
                    + " topic's partition and its retry topic's go to one consumer, but its properties set "
                    + assignor.trim() + ". Remove that property, or remove keepKeyOrder.");
        }
    }

    /** The topics the listener's container subscribes to: its own, then their retry topics. */
    static String[] subscriptions(List<String> topics, String groupId) {
        return Stream.concat(topics.stream(), topics.stream().map(topic -> RetryTopicNames.retryTopic(topic, groupId)))
                .toArray(String[]::new);
    }

    /** The listener's consumer properties with the RangeAssignor, for {@code keepKeyOrder}. */
    static String[] keyOrderProperties(String[] properties) {
        List<String> all = new ArrayList<>(properties == null ? List.of() : Arrays.asList(properties));
        if (parse(properties).getProperty(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG) == null) {
            all.add(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG + "=" + RANGE_ASSIGNOR);
        }
        return all.toArray(String[]::new);
    }

    /**
     * How a retry topic is created: with the partitions and replicas of its topic's declaration, so that the two are
     * co-partitioned, but none of its configs: compaction ({@code cleanup.policy=compact}) would drop a key's
     * failed record once a later record of that key waits behind it.
     */
    static Topic declaration(String retryTopic, Topic topic) {
        return MergedAnnotation.of(Topic.class, Map.of("name", retryTopic, "partitions", topic.partitions(),
                "replicas", topic.replicas())).synthesize();
    }

    /** Consumer properties as spring-kafka reads them: each {@code name=value} (or {@code name:value}) line. */
    private static Properties parse(String[] properties) {
        var parsed = new Properties();
        if (properties != null) {
            try {
                parsed.load(new StringReader(String.join("\n", properties)));
            } catch (IOException e) {
                throw new IllegalStateException("Unreadable listener properties " + Arrays.toString(properties), e);
            }
        }
        return parsed;
    }
}
