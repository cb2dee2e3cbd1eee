package io.tributary.broker.metadata;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.requests.ApiError;

/** The outcome of creating (or checking) one topic. */
public record TopicResult(String name, ApiError error, Uuid topicId, int numPartitions, short replicationFactor) {
    public static TopicResult failed(String name, ApiError error) {
        return new TopicResult(name, error, Uuid.ZERO_UUID, -1, (short) -1);
    }
}
