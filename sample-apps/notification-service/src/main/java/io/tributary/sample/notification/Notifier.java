package io.tributary.sample.notification;

import io.tributary.sample.events.InvoiceIssued;
import io.tributary.spring.TopicListener;
import io.tributary.spring.DeliverySemantics;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Tells customers their invoice is ready, at most once: a second e-mail is worse than a missing one, so the offset
 * is committed before sending and a failed send is not retried. {@code notification.fail-for} lists customers
 * whose mail server is "down", to see it happen.
 */
@Component
public class Notifier {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    private static final int KEPT = 100;

    private final Deque<String> sent = new ConcurrentLinkedDeque<>();
    private final Deque<String> attempts = new ConcurrentLinkedDeque<>();
    private final Set<String> failFor;

    Notifier(@Value("${notification.fail-for:}") Set<String> failFor) {
        this.failFor = failFor;
    }

    @TopicListener(groupId = "notification-service", delivery = DeliverySemantics.AT_MOST_ONCE)
    void onInvoice(InvoiceIssued invoice) {
        remember(attempts, invoice.invoiceId());
        if (failFor.contains(invoice.customer())) {
            throw new IllegalStateException("mail server of " + invoice.customer() + " is down");
        }
        remember(sent, invoice.customer() + ": invoice " + invoice.invoiceId() + " for order " + invoice.orderId()
                + " (" + invoice.amountCents() + " cents) is ready");
        log.info("notified {} of invoice {}", invoice.customer(), invoice.invoiceId());
    }

    /** The last notifications sent, oldest first. */
    public List<String> sent() {
        return new ArrayList<>(sent);
    }

    /** The invoice ids of the last delivery attempts, failed ones included. */
    public List<String> attempts() {
        return new ArrayList<>(attempts);
    }

    private static void remember(Deque<String> deque, String entry) {
        deque.addLast(entry);
        while (deque.size() > KEPT) {
            deque.pollFirst();
        }
    }
}
