package io.tributary.broker.group;

/** Who sent a group request: the client id and host Kafka reports for members, and the API version used. */
public record MemberContext(String clientId, String clientHost, short apiVersion) {
}
