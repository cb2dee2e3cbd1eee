package io.tributary.spring.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives a {@code @SpringBootTest} class a Tributary broker: ephemeral (its data is deleted when the test JVM
 * ends), bound to a free port on 127.0.0.1 that the test's context reads back through
 * {@code spring.kafka.bootstrap-servers}, so no fixed port can be "already in use".
 *
 * <pre>{@code
 * @SpringBootTest
 * @EmbeddedTributary
 * class BillingTests { ... }
 * }</pre>
 *
 * <p>By default every annotated class in the JVM uses one broker, and classes with the same configuration share
 * one cached application context: no {@code @DirtiesContext}, no broker start per class. With
 * {@link #isolated()} a class gets a broker of its own, so its topics, groups and offsets start empty and no other
 * class sees them; that broker stops when the class's context is closed.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EmbeddedTributary {

    /** A broker for this test class alone (topics isolated from other classes) instead of the shared one. */
    boolean isolated() default false;

    /** Partitions of topics created without a count (the broker's {@code num.partitions}). */
    int partitions() default 1;
}
