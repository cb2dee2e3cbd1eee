package io.tributary.spring.listener;

import io.tributary.spring.DeliverySemantics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka client settings each {@link DeliverySemantics} needs. A setting the user left alone gets the preset's
 * value; one the user set to something the semantics cannot keep its promise with is a
 * {@link DeliverySemanticsConflictException}; any other user value stays.
 */
final class DeliveryPreset {

    /** One client setting: the value the preset puts, and which user values still keep the promise. */
    record Setting(String key, String value, Predicate<String> keepsPromise, String why) {
        static Setting fixed(String key, String value, String why) {
            return new Setting(key, value, v -> v.equalsIgnoreCase(value), why);
        }

        static Setting preferred(String key, String value) {
            return new Setting(key, value, v -> true, "");
        }
    }

    private static final Setting NO_AUTO_COMMIT = Setting.fixed(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            "offsets are committed by the listener container at the point the semantics needs, not on a timer");

    private DeliveryPreset() {
    }

    static List<Setting> producer(DeliverySemantics semantics) {
        return switch (semantics) {
            case AT_MOST_ONCE -> List.of(
                    Setting.preferred(ProducerConfig.ACKS_CONFIG, "1"),
                    Setting.preferred(ProducerConfig.RETRIES_CONFIG, "0"),
                    Setting.preferred(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"));
            case AT_LEAST_ONCE -> List.of(
                    new Setting(ProducerConfig.ACKS_CONFIG, "all", v -> !v.equals("0"),
                            "with acks=0 the producer never learns that a record was lost"),
                    new Setting(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE),
                            v -> !v.equals("0"), "without retries a transient error drops the record"),
                    Setting.preferred(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"));
            case EXACTLY_ONCE -> List.of(
                    new Setting(ProducerConfig.ACKS_CONFIG, "all", v -> v.equals("all") || v.equals("-1"),
                            "transactions need every in-sync replica to acknowledge (acks=all)"),
                    Setting.fixed(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                            "transactions need the idempotent producer"),
                    new Setting(ProducerConfig.RETRIES_CONFIG, String.valueOf(Integer.MAX_VALUE),
                            v -> !v.equals("0"), "the idempotent producer needs retries"),
                    new Setting(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5",
                            v -> isInt(v) && Integer.parseInt(v) <= 5,
                            "the idempotent producer keeps order only with at most 5 requests in flight"));
        };
    }

    static List<Setting> consumer(DeliverySemantics semantics) {
        return switch (semantics) {
            // No listener should act on a record whose transaction was aborted (an invoice billing rolled back);
            // unlike exactly-once, a user's explicit read_uncommitted is kept here.
            case AT_MOST_ONCE, AT_LEAST_ONCE -> List.of(NO_AUTO_COMMIT,
                    Setting.preferred(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
            case EXACTLY_ONCE -> List.of(NO_AUTO_COMMIT,
                    Setting.fixed(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                            "a listener must not see records of aborted transactions"));
        };
    }

    /**
     * Applies {@code settings} to a client configuration in place.
     *
     * @param source how the user sets this client's properties, for the error message
     */
    static void apply(Map<String, Object> config, List<Setting> settings, DeliverySemantics semantics,
                      String source) {
        check(config, settings, semantics, source);
        for (Setting setting : settings) {
            config.putIfAbsent(setting.key(), setting.value());
        }
    }

    /** Fails when {@code config} sets something {@code semantics} cannot keep its promise with. */
    static void check(Map<String, ?> config, List<Setting> settings, DeliverySemantics semantics, String source) {
        for (Setting setting : settings) {
            Object userValue = config.get(setting.key());
            if (userValue != null && !setting.keepsPromise().test(render(userValue))) {
                throw new DeliverySemanticsConflictException(semantics, setting.key(), render(userValue),
                        setting.value(), setting.why(), source);
            }
        }
    }

    private static String render(Object value) {
        return String.valueOf(value).trim().toLowerCase(Locale.ROOT);
    }

    private static boolean isInt(String value) {
        try {
            Integer.parseInt(value);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
