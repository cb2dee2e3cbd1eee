package io.tributary.broker.metadata;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.requests.ApiError;

/** The outcome of deleting one topic: its name (null when given by an unknown id), its id, and the error. */
public record TopicDeletion(String name, Uuid topicId, ApiError error) {
}
