package io.tributary.sample.billing;

import io.tributary.sample.events.InvoiceIssued;
import io.tributary.sample.events.OrderPlaced;
import io.tributary.spring.EventTemplate;
import io.tributary.spring.TopicListener;
import io.tributary.spring.DeliverySemantics;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Bills each order exactly once. The listener runs in a Kafka transaction: the {@link InvoiceIssued} it publishes
 * and the commit of the consumed {@link OrderPlaced} offset become visible together, or not at all, so a crash at
 * any point yields exactly one invoice per order for read_committed readers. There is deliberately no
 * de-duplication here: Kafka's transactions are the whole guarantee.
 */
@Component
class Billing {
    private static final Logger log = LoggerFactory.getLogger(Billing.class);

    private final EventTemplate events;
    private final Duration processingTime;

    Billing(EventTemplate events, @Value("${billing.processing-time:0ms}") Duration processingTime) {
        this.events = events;
        this.processingTime = processingTime;
    }

    @TopicListener(groupId = "billing-service", delivery = DeliverySemantics.EXACTLY_ONCE)
    void bill(OrderPlaced order) throws InterruptedException {
        var invoice = new InvoiceIssued("inv-" + order.orderId(), order.orderId(), order.customer(),
                order.amountCents());
        events.publish(order.orderId(), invoice);
        if (!processingTime.isZero()) {
            // Work after the send, inside the transaction (the crash test kills the service here).
            Thread.sleep(processingTime.toMillis());
        }
        log.info("invoice {} issued for order {} ({} cents)", invoice.invoiceId(), order.orderId(),
                order.amountCents());
    }
}
