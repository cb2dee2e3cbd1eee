package io.tributary.spring.identity;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Derives a name for an application without {@code spring.application.name} from its main class
 * ({@code BillingServiceApplication} becomes {@code billing-service}; see {@link #applicationClass}): kebab-case of the simple name without an
 * {@code Application} or {@code App} suffix. Kept in the lowest-precedence property source under an internal key,
 * so {@code spring.application.name} from anywhere still wins and Spring itself does not see a name it was not given.
 */
final class MainClassApplicationName implements EnvironmentPostProcessor {
    static final String PROPERTY_SOURCE = "tributaryDerivedApplicationName";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Class<?> mainClass = applicationClass(application);
        if (mainClass == null || environment.getPropertySources().contains(PROPERTY_SOURCE)) {
            return;
        }
        String name = derive(mainClass.getSimpleName());
        if (!name.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE,
                    Map.of(ApplicationIdentity.DERIVED_NAME_PROPERTY, name)));
        }
    }

    /**
     * The class that stands for the application: the main class when it is one of the application's
     * {@code @SpringBootConfiguration} sources or no source is, else the first such source. A launcher's main class
     * (a test runner's, an IDE's) is not the application: a {@code @SpringBootTest} is named after its
     * {@code @SpringBootApplication} class, not after the test framework's booter.
     */
    static Class<?> applicationClass(SpringApplication application) {
        Class<?> mainClass = application.getMainApplicationClass();
        List<Class<?>> configurations = application.getAllSources().stream()
                .filter(source -> source instanceof Class<?>).<Class<?>>map(source -> (Class<?>) source)
                .filter(source -> AnnotatedElementUtils.hasAnnotation(source, SpringBootConfiguration.class))
                .toList();
        if (configurations.isEmpty() || configurations.contains(mainClass)) {
            return mainClass;
        }
        return configurations.get(0);
    }

    static String derive(String simpleName) {
        String base = simpleName;
        for (String suffix : new String[] {"Application", "App"}) {
            if (base.endsWith(suffix) && base.length() > suffix.length()) {
                base = base.substring(0, base.length() - suffix.length());
                break;
            }
        }
        // A capital starts a word, except inside a run of capitals ("HTTPGateway" is http-gateway).
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                appendDash(name);
                continue;
            }
            boolean wordStart = Character.isUpperCase(c) && i > 0 && (Character.isLowerCase(base.charAt(i - 1))
                    || Character.isDigit(base.charAt(i - 1))
                    || (i + 1 < base.length() && Character.isLowerCase(base.charAt(i + 1))));
            if (wordStart) {
                appendDash(name);
            }
            name.append(Character.toLowerCase(c));
        }
        return name.toString().replaceAll("^-+|-+$", "").toLowerCase(Locale.ROOT);
    }

    private static void appendDash(StringBuilder name) {
        if (name.length() > 0 && name.charAt(name.length() - 1) != '-') {
            name.append('-');
        }
    }
}
