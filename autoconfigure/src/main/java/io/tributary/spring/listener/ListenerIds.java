package io.tributary.spring.listener;

import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Ids of the application's listeners. A listener without one gets its class and method names in kebab case
 * ({@code Billing#bill} is {@code billing-bill}), so that its {@code tributary.listeners.<id>.*} key and its name in
 * the actuator are predictable; a second bean of the same class gets {@code billing-bill-2}. Ids must be unique in
 * the registry, so generated ones also avoid the ids users chose.
 */
final class ListenerIds {
    private final Set<String> taken = new HashSet<>();

    /** The id of the listener on {@code method}: {@code declared} when not empty, else a generated one. */
    String idOf(String declared, Method method) {
        if (!declared.isEmpty()) {
            taken.add(declared);
            return declared;
        }
        String base = kebab(method.getDeclaringClass().getSimpleName()) + "-" + kebab(method.getName());
        String id = base;
        for (int n = 2; !taken.add(id); n++) {
            id = base + "-" + n;
        }
        return id;
    }

    private static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('$', '-').replace('_', '-')
                .toLowerCase(Locale.ROOT);
    }
}
