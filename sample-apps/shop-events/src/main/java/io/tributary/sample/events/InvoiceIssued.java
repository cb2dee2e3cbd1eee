package io.tributary.sample.events;

import io.tributary.spring.Topic;

/** billing-service issued the invoice of an order, exactly once per order (keyed by order id). */
@Topic(name = "invoices", partitions = 3)
public record InvoiceIssued(String invoiceId, String orderId, String customer, long amountCents) {
}
