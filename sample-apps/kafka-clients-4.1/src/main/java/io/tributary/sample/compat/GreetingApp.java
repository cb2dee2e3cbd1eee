package io.tributary.sample.compat;

import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A minimal app: one event type, one exactly-once listener that answers each greeting. */
@SpringBootApplication
public class GreetingApp {
    final List<Greeting> greetings = new CopyOnWriteArrayList<>();

    @Topic(name = "greetings", partitions = 2)
    public record Greeting(String from, String text) {
    }

    @TopicListener(delivery = io.tributary.spring.DeliverySemantics.EXACTLY_ONCE)
    void on(Greeting greeting) {
        greetings.add(greeting);
    }

    public List<Greeting> greetings() {
        return greetings;
    }

    public static void main(String[] args) {
        SpringApplication.run(GreetingApp.class, args);
    }
}
