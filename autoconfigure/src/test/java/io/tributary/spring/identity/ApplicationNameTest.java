package io.tributary.spring.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.spring.Topic;
import io.tributary.spring.TopicListener;
import io.tributary.spring.broker.EmbeddedBrokerAutoConfiguration;
import io.tributary.spring.listener.TributaryListenerAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.mock.env.MockEnvironment;

/**
 * The application's name: spring.application.name, else derived from the main class, else a startup failure that
 * asks for one (instead of every unnamed application sharing "application" as group and transactional id).
 */
class ApplicationNameTest {

    @Test
    void derivesAKebabCaseNameFromTheMainClassWithoutItsSuffix() {
        assertThat(MainClassApplicationName.derive("BillingServiceApplication")).isEqualTo("billing-service");
        assertThat(MainClassApplicationName.derive("ShopApp")).isEqualTo("shop");
        assertThat(MainClassApplicationName.derive("HTTPGatewayApplication")).isEqualTo("http-gateway");
        assertThat(MainClassApplicationName.derive("Orders2Service")).isEqualTo("orders2-service");
        assertThat(MainClassApplicationName.derive("Application")).isEqualTo("application");
    }

    /** Stands for an application's main class: its name is what the derived name comes from. */
    @Configuration(proxyBeanMethods = false)
    static class BillingServiceApplication {
    }

    @Test
    void springApplicationDerivesTheNameFromItsMainClass() {
        try (ConfigurableApplicationContext context = run()) {
            Environment environment = context.getEnvironment();
            assertThat(ApplicationIdentity.applicationName(environment)).isEqualTo("billing-service");
            assertThat(environment.getProperty("spring.application.name")).as("Spring's own property untouched")
                    .isNull();
        }
    }

    @Test
    void springApplicationNameWinsOverTheDerivedOne() {
        try (ConfigurableApplicationContext context = run("--spring.application.name=invoicing")) {
            assertThat(ApplicationIdentity.applicationName(context.getEnvironment())).isEqualTo("invoicing");
        }
    }

    @Test
    void withoutANameAskingForOneThrowsAndTheAnalysisAsksForSpringApplicationName() {
        MockEnvironment environment = new MockEnvironment();
        assertThat(ApplicationIdentity.applicationName(environment, "application")).isEqualTo("application");
        assertThatThrownBy(() -> ApplicationIdentity.applicationName(environment))
                .isInstanceOfSatisfying(MissingApplicationNameException.class, e -> {
                    FailureAnalysis analysis = new MissingApplicationNameFailureAnalyzer().analyze(e);
                    assertThat(analysis.getDescription()).contains("spring.application.name is not set");
                    assertThat(analysis.getAction()).startsWith("Set spring.application.name");
                });
    }

    @Topic(name = "unnamed-events")
    record UnnamedEvent(String id) {
    }

    static class UnnamedListener {
        @TopicListener
        void on(UnnamedEvent event) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ListenerWithoutGroup {
        @Bean
        UnnamedListener unnamedListener() {
            return new UnnamedListener();
        }
    }

    @Test
    void aListenerNeedingADefaultGroupInAnUnnamedApplicationFailsStartup() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EmbeddedBrokerAutoConfiguration.class,
                        KafkaAutoConfiguration.class, ApplicationIdentityAutoConfiguration.class,
                        TributaryListenerAutoConfiguration.class))
                .withPropertyValues("tributary.broker.ephemeral=true")
                .withUserConfiguration(ListenerWithoutGroup.class)
                .run(context -> {
                    Throwable failure = context.getStartupFailure();
                    assertThat(failure).as("startup failure").isNotNull();
                    Throwable cause = failure;
                    while (cause != null && !(cause instanceof MissingApplicationNameException)) {
                        cause = cause.getCause();
                    }
                    assertThat(cause).as("MissingApplicationNameException in " + failure).isNotNull();
                });
    }

    private static ConfigurableApplicationContext run(String... args) {
        SpringApplication application = new SpringApplication(BillingServiceApplication.class);
        application.setMainApplicationClass(BillingServiceApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        return application.run(args);
    }
}
