package io.tributary.sample.order;

import io.tributary.sample.events.InvoiceIssued;
import io.tributary.spring.TopicListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Marks orders billed. At-least-once (the default): an invoice for an order this instance does not know fails,
 * is retried with back-off, and then goes to {@code invoices.DLT} for someone to look at.
 */
@Component
class InvoiceListener {
    private static final Logger log = LoggerFactory.getLogger(InvoiceListener.class);

    private final Orders orders;

    InvoiceListener(Orders orders) {
        this.orders = orders;
    }

    @TopicListener(groupId = "order-service")
    void onInvoice(InvoiceIssued invoice) {
        if (!orders.billed(invoice.orderId(), invoice.invoiceId())) {
            throw new IllegalStateException("invoice " + invoice.invoiceId() + " is for unknown order "
                    + invoice.orderId());
        }
        log.info("order {} billed with invoice {}", invoice.orderId(), invoice.invoiceId());
    }
}
