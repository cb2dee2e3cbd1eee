package io.tributary.sample.order;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/** The orders this instance took, in memory (a real service would keep them in its database). */
@Component
public class Orders {
    private final Map<String, Order> orders = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    /** An order and, once billing-service invoiced it, its invoice id. */
    public record Order(String id, String customer, long amountCents, String status, String invoiceId) {
    }

    Order place(String customer, long amountCents) {
        String id = "o-" + sequence.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 46656, 36);
        Order order = new Order(id, customer, amountCents, "PLACED", null);
        orders.put(id, order);
        return order;
    }

    /** Records the invoice; false if the order is not one of ours. */
    boolean billed(String orderId, String invoiceId) {
        return orders.computeIfPresent(orderId, (id, order) -> new Order(id, order.customer(), order.amountCents(),
                "BILLED", invoiceId)) != null;
    }

    public Optional<Order> find(String id) {
        return Optional.ofNullable(orders.get(id));
    }

    public Collection<Order> all() {
        return orders.values();
    }
}
