package io.tributary.spring.identity;

import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Who this application is on the cluster: its name (consumer groups, transactional ids, data directory) and the id
 * of this running instance (unique among the application's replicas, stable across its restarts), so that two
 * replicas of one exactly-once application never fence each other's producers.
 *
 * <p>The bean {@code tributaryApplicationIdentity} resolves both on first use, not when it is created: an
 * application that never asks for an instance id (no transactional producer) never claims one. Resolution rules:
 * docs/concepts.md. Thread-safe.
 */
public final class ApplicationIdentity {
    /** Where {@link MainClassApplicationName} puts the name it derives from the main class. */
    static final String DERIVED_NAME_PROPERTY = "tributary.internal.derived-application-name";

    private final Lazy name;
    private final Lazy instanceId;

    public ApplicationIdentity(String name, String instanceId) {
        this(() -> name, () -> instanceId);
    }

    ApplicationIdentity(Supplier<String> name, Supplier<String> instanceId) {
        this.name = new Lazy(name);
        this.instanceId = new Lazy(instanceId);
    }

    /**
     * The application's name: {@code spring.application.name}, else the one derived from the main class (see
     * docs/concepts.md). Readable before any bean exists (annotation enhancers need it).
     *
     * @throws MissingApplicationNameException when there is neither
     */
    public static String applicationName(Environment environment) {
        String name = applicationName(environment, null);
        if (name == null) {
            throw new MissingApplicationNameException();
        }
        return name;
    }

    /** The application's name as {@link #applicationName(Environment)} finds it, else {@code fallback}. */
    public static String applicationName(Environment environment, String fallback) {
        String configured = environment.getProperty("spring.application.name");
        if (StringUtils.hasText(configured)) {
            return configured.trim();
        }
        String derived = environment.getProperty(DERIVED_NAME_PROPERTY);
        return StringUtils.hasText(derived) ? derived : fallback;
    }

    /** The application's name. */
    public String name() {
        return name.get();
    }

    /** This instance's id among the application's replicas. */
    public String instanceId() {
        return instanceId.get();
    }

    /**
     * The instance id if something asked for it already (a transactional producer does): an application that never
     * needs one never claims one.
     */
    public Optional<String> resolvedInstanceId() {
        return Optional.ofNullable(instanceId.valueIfResolved());
    }

    /** The default prefix of this instance's transactional ids: {@code {name}-{instanceId}-tx-}. */
    public String transactionIdPrefix() {
        return name() + "-" + instanceId() + "-tx-";
    }

    /** A value computed on first use, at most once. */
    private static final class Lazy {
        private final Supplier<String> supplier;
        private String value;

        Lazy(Supplier<String> supplier) {
            this.supplier = supplier;
        }

        synchronized String get() {
            if (value == null) {
                value = supplier.get();
            }
            return value;
        }

        synchronized String valueIfResolved() {
            return value;
        }
    }
}
