package io.tributary.broker.api;

import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;

/**
 * Kafka's topic-name rule ({@code Topic.validate}: length, legal characters, not "." or "..") as the handlers that
 * answer INVALID_TOPIC_EXCEPTION for a name before looking it up need it.
 */
final class TopicNames {
    private TopicNames() {
    }

    /** Why {@code name} cannot be a topic's name, or null when it can. */
    static String invalidReason(String name) {
        try {
            Topic.validate(name);
            return null;
        } catch (InvalidTopicException e) {
            return e.getMessage();
        }
    }

    static boolean isValid(String name) {
        return invalidReason(name) == null;
    }
}
