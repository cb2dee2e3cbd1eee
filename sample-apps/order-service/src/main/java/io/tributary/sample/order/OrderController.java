package io.tributary.sample.order;

import io.tributary.sample.events.OrderPlaced;
import io.tributary.spring.EventTemplate;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /orders {"customer": "ada", "amountCents": 4200}} places an order and publishes {@link OrderPlaced}
 * (keyed by order id, so all events of one order keep their order); {@code GET /orders} and
 * {@code GET /orders/{id}} show orders with their status.
 */
@RestController
class OrderController {
    private static final Logger log = LoggerFactory.getLogger(OrderController.class);

    private final Orders orders;
    private final EventTemplate events;

    OrderController(Orders orders, EventTemplate events) {
        this.orders = orders;
        this.events = events;
    }

    record PlaceOrder(String customer, long amountCents) {
    }

    @PostMapping("/orders")
    Orders.Order place(@RequestBody PlaceOrder request) throws Exception {
        Orders.Order order = orders.place(request.customer(), request.amountCents());
        // The answer waits for the broker's acknowledgement (acks=all under at-least-once): an order the caller
        // sees is an order billing will hear of.
        RecordMetadata sent = events.publish(order.id(),
                new OrderPlaced(order.id(), order.customer(), order.amountCents())).get();
        log.info("order {} placed for {} ({} cents) -> {}-{}@{}", order.id(), order.customer(), order.amountCents(),
                sent.topic(), sent.partition(), sent.offset());
        return order;
    }

    @GetMapping("/orders")
    List<Orders.Order> all() {
        return orders.all().stream().sorted(Comparator.comparing(Orders.Order::id)).toList();
    }

    @GetMapping("/orders/{id}")
    ResponseEntity<Orders.Order> one(@PathVariable String id) {
        return ResponseEntity.of(orders.find(id));
    }
}
