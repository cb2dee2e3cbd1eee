package io.tributary.sample.events;

/**
 * Marks the package of the shop's events. A service adds it to its auto-configuration packages
 * ({@code @AutoConfigurationPackage(basePackageClasses = ShopEvents.class)}) so Tributary creates the topics of
 * these {@code @Topic} types at startup, with their partition counts, before the first event is sent.
 */
public final class ShopEvents {
    private ShopEvents() {
    }
}
