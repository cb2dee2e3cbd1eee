package io.tributary.spring.test;

import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ApplicationContext;

/** The application the test classes of this module start; one listener (id {@code test-app-on}), one event type. */
@SpringBootApplication
class TestApp {
    /** The first context a shared-configuration class saw: every other such class must get the same one. */
    static final AtomicReference<ApplicationContext> SHARED_CONTEXT = new AtomicReference<>();

    final List<Ping> pings = new CopyOnWriteArrayList<>();

    @Topic(name = "pings")
    record Ping(String from) {
    }

    /** Pings from "fail..." fail, and so end up on the dead-letter topic. */
    @TopicListener
    void on(Ping ping) {
        if (ping.from().startsWith("fail")) {
            throw new IllegalStateException("cannot answer " + ping.from());
        }
        pings.add(ping);
    }
}
