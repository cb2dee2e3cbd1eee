package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import io.tributary.spring.TopicListener;
import io.tributary.spring.TributaryProperties.ListenerSettings;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.Environment;

/**
 * Each listener's {@link ListenerRetry}: its {@code @TopicListener(retries, backoff, ...)} attributes, overridden
 * value by value by {@code tributary.listeners.<id>.*} (configuration wins over code, as everywhere in Boot). Bound
 * with a {@link Binder} because listeners are enhanced before any {@code @ConfigurationProperties} bean exists.
 *
 * <p>A property key matches a listener id ignoring case and dashes, so {@code tributary.listeners.order-audit.*}
 * configures the listener {@code orderAudit}; an id with dots needs brackets: {@code tributary.listeners[a.b].*}.
 */
final class ListenerRetries {
    private final Environment environment;
    private Map<String, ListenerSettings> settings;

    ListenerRetries(Environment environment) {
        this.environment = environment;
    }

    /** The retry of listener {@code id} declared by {@code listener} on {@code method} (named in errors). */
    ListenerRetry retry(String id, TopicListener listener, DeliverySemantics semantics, String method) {
        if (listener.retries() < -1) {
            throw new IllegalStateException("@TopicListener method " + method + " has retries = " + listener.retries()
                    + ". Set retries to 0 or more redeliveries, or leave it out for tributary.listener.max-attempts.");
        }
        Integer maxAttempts = listener.retries() >= 0 ? listener.retries() + 1 : null;
        Duration backoff = duration(listener.backoff(), "backoff", method);
        Duration maxBackoff = duration(listener.maxBackoff(), "maxBackoff", method);
        boolean retryTopics = listener.retryTopics();
        boolean keepKeyOrder = listener.keepKeyOrder();
        ListenerSettings configured = settingsOf(id);
        if (configured != null) {
            maxAttempts = configured.getMaxAttempts() != null ? configured.getMaxAttempts() : maxAttempts;
            backoff = configured.getBackoff() != null ? configured.getBackoff() : backoff;
            maxBackoff = configured.getMaxBackoff() != null ? configured.getMaxBackoff() : maxBackoff;
            retryTopics = configured.getRetryTopics() != null ? configured.getRetryTopics() : retryTopics;
            keepKeyOrder = configured.getKeepKeyOrder() != null ? configured.getKeepKeyOrder() : keepKeyOrder;
        }
        var retry = new ListenerRetry(maxAttempts, backoff, maxBackoff, retryTopics, keepKeyOrder);
        check(retry, semantics, id, method);
        return retry;
    }

    private static void check(ListenerRetry retry, DeliverySemantics semantics, String id, String method) {
        String where = "@TopicListener method " + method + " (tributary.listeners." + id + ")";
        if (retry.maxAttempts() != null && retry.maxAttempts() < 1) {
            throw new IllegalStateException(where + " has max-attempts " + retry.maxAttempts()
                    + ". Set it to 1 or more deliveries.");
        }
        if (retry.backoff() != null && retry.maxBackoff() != null && retry.maxBackoff().compareTo(retry.backoff()) < 0) {
            throw new IllegalStateException(where + " has a back-off of " + retry.backoff() + " but a max-backoff of "
                    + retry.maxBackoff() + ". Set max-backoff to at least the back-off.");
        }
        boolean retries = !retry.equals(ListenerRetry.DEFAULTS);
        if (semantics == DeliverySemantics.AT_MOST_ONCE && retries) {
            throw new IllegalStateException(where + " sets retries, but it is at-most-once, which never redelivers a"
                    + " record. Remove the retry settings, or choose at-least-once or exactly-once.");
        }
    }

    private Duration duration(String value, String attribute, String method) {
        if (value.isEmpty()) {
            return null;
        }
        String resolved = environment.resolveRequiredPlaceholders(value).trim();
        try {
            Duration duration = DurationStyle.detectAndParse(resolved);
            if (duration.isNegative()) {
                throw new IllegalArgumentException("negative");
            }
            return duration;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@TopicListener method " + method + " has " + attribute + " = \"" + value
                    + "\", which is not a duration. Write it like 500ms, 2s or 1m.", e);
        }
    }

    private ListenerSettings settingsOf(String id) {
        if (settings == null) {
            settings = Binder.get(environment).bind("tributary.listeners",
                    Bindable.mapOf(String.class, ListenerSettings.class)).orElse(Map.of());
        }
        String canonical = canonical(id);
        return settings.entrySet().stream().filter(entry -> canonical(entry.getKey()).equals(canonical))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static String canonical(String id) {
        return id.replace("-", "").toLowerCase(Locale.ROOT);
    }
}
