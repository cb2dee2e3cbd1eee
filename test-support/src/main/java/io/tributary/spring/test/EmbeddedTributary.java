package io.tributary.spring.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a {@code @SpringBootTest} class on the embedded path, as the application runs in production without a
 * cluster: the application's own auto-configuration starts an ephemeral broker (data in a fresh temporary
 * directory, deleted when the context closes) on a free port of 127.0.0.1, even if the application's configuration
 * names bootstrap servers ({@code tributary.mode=embedded}).
 *
 * <pre>{@code
 * @SpringBootTest
 * @EmbeddedTributary
 * class BillingTests {
 *     @Autowired TributaryTestClient tributary;   // read topics and dead letters, wait for listeners to catch up
 * }
 * }</pre>
 *
 * <p>One broker per cached application context: classes with the same configuration share the context (no
 * {@code @DirtiesContext}, no broker start per class), and differently configured contexts never see each other's
 * topics, consumer groups or offsets. {@link #isolated()} gives a class a context and a broker of its own.
 * {@link #external()} instead points every such class at one broker per JVM through
 * {@code spring.kafka.bootstrap-servers}, exercising the application's external-cluster path.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EmbeddedTributary {

    /** A context and broker for this test class alone, even when another class has the same configuration. */
    boolean isolated() default false;

    /** Partitions of topics created without a count (the broker's {@code num.partitions}). */
    int partitions() default 1;

    /**
     * Use a broker shared by the whole test JVM (one per partition count), reached as an external cluster through
     * {@code spring.kafka.bootstrap-servers} with {@code tributary.mode=external}; topics and groups are then shared
     * between contexts.
     */
    boolean external() default false;
}
