package io.tributary.sample.events;

import io.tributary.spring.Topic;

/** A customer placed an order (order-service publishes it, keyed by order id). */
@Topic(name = "orders", partitions = 3)
public record OrderPlaced(String orderId, String customer, long amountCents) {
}
