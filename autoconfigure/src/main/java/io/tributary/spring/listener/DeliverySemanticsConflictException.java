package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;

/** A Kafka client setting contradicts the chosen delivery semantics; the message says what to change. */
public final class DeliverySemanticsConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String action;

    DeliverySemanticsConflictException(DeliverySemantics semantics, String key, String userValue,
                                       String presetValue, String why, String source) {
        super("tributary.delivery=" + semantics.value() + " cannot keep its promise with " + key + "=" + userValue
                + " (" + source + "): " + why + ".");
        this.action = "Remove the " + key + " setting (tributary.delivery=" + semantics.value() + " sets " + key + "="
                + presetValue + "), or choose delivery semantics that allow it (tributary.delivery, or delivery on "
                + "the @TopicListener).";
    }

    public String action() {
        return action;
    }
}
