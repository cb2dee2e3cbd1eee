package io.tributary.spring.listener;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The topics of one listener with retry topics: each of its topics, that topic's retry topic
 * {@code <topic>-<group>-retry} and its dead-letter topic {@code <topic><dead-letter-suffix>}.
 *
 * <p>A retry topic belongs to one consumer group, unlike the dead-letter topic: the listener consumes it, so two
 * applications (or groups) retrying records of the same topic must not read each other's failures. It has the
 * partitions of its topic, and a record is retried on the partition number it came from, so that a record and the
 * later records of its key stay in one partition of each topic.
 *
 * @param retryByTopic each listened-to topic's retry topic
 * @param deadLetterSuffix {@code tributary.listener.dead-letter-suffix}
 */
record RetryTopicNames(Map<String, String> retryByTopic, String deadLetterSuffix) {
    private static final String SUFFIX = "-retry";
    /** Kafka's rule for topic names (o.a.k.common.internals.Topic): these characters, at most 249 of them. */
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    static RetryTopicNames of(List<String> topics, String groupId, String deadLetterSuffix) {
        Map<String, String> retryByTopic = new LinkedHashMap<>();
        topics.forEach(topic -> retryByTopic.put(topic, retryTopic(topic, groupId)));
        return new RetryTopicNames(Map.copyOf(retryByTopic), deadLetterSuffix);
    }

    /** The retry topic of {@code topic} for consumer group {@code groupId}. */
    static String retryTopic(String topic, String groupId) {
        return topic + "-" + groupId + SUFFIX;
    }

    /** Whether Kafka accepts {@code name} as a topic name. */
    static boolean isLegal(String name) {
        return LEGAL.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    boolean isRetryTopic(String topic) {
        return retryByTopic.containsValue(topic);
    }

    /** The listened-to topic of {@code topic}: itself, or the topic a retry topic retries. */
    String mainTopic(String topic) {
        if (retryByTopic.containsKey(topic)) {
            return topic;
        }
        return retryByTopic.entrySet().stream().filter(entry -> entry.getValue().equals(topic))
                .map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Not a topic of this listener: " + topic));
    }

    /** The retry topic of the listened-to or retry topic {@code topic}. */
    String retryTopicOf(String topic) {
        return retryByTopic.get(mainTopic(topic));
    }

    /** The dead-letter topic of the listened-to or retry topic {@code topic}. */
    String deadLetterTopicOf(String topic) {
        return mainTopic(topic) + deadLetterSuffix;
    }
}
