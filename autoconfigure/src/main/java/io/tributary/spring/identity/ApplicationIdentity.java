package io.tributary.spring.identity;

import org.springframework.core.env.Environment;

/**
 * Who this application is on the cluster: its name (consumer groups, transactional ids, data directory) and the id
 * of this running instance (unique among the application's replicas, stable across its restarts), so that two
 * replicas of one exactly-once application never fence each other's producers.
 *
 * <p>Contract shared by the auto-configurations; the resolution rules are documented in docs/concepts.md.
 */
public final class ApplicationIdentity {
    private final String name;
    private final String instanceId;

    public ApplicationIdentity(String name, String instanceId) {
        this.name = name;
        this.instanceId = instanceId;
    }

    /**
     * The application's name: {@code spring.application.name}, else the one derived from the main class (see
     * docs/concepts.md). Readable before any bean exists (annotation enhancers need it).
     */
    public static String applicationName(Environment environment) {
        return environment.getProperty("spring.application.name", "application");
    }

    /** The application's name. */
    public String name() {
        return name;
    }

    /** This instance's id among the application's replicas. */
    public String instanceId() {
        return instanceId;
    }

    /** The default prefix of this instance's transactional ids: {@code {name}-{instanceId}-tx-}. */
    public String transactionIdPrefix() {
        return name + "-" + instanceId + "-tx-";
    }
}
