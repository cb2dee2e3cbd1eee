package io.tributary.spring.identity;

import io.tributary.spring.TributaryProperties;
import io.tributary.spring.broker.DataDirectory;
import io.tributary.spring.broker.EmbeddedBroker;
import java.nio.file.Path;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The application's {@link ApplicationIdentity}, before the listeners that name their groups and transactional ids
 * after it. Nothing is resolved when the bean is created: the name on first use (failing with
 * {@link MissingApplicationNameException} when there is none), the instance id when a transactional producer first
 * asks, in the embedded broker's data directory, else {@code tributary.broker.data-dir} or its default location;
 * with {@code tributary.broker.ephemeral} and no data directory, a random id kept nowhere.
 */
@AutoConfiguration(beforeName = "io.tributary.spring.listener.TributaryListenerAutoConfiguration")
@EnableConfigurationProperties(TributaryProperties.class)
public final class ApplicationIdentityAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    InstanceId tributaryInstanceId(Environment environment, TributaryProperties properties,
                                   ObjectProvider<EmbeddedBroker> broker) {
        return new InstanceId(environment, () -> stateDir(environment, properties, broker));
    }

    @Bean
    @ConditionalOnMissingBean
    ApplicationIdentity tributaryApplicationIdentity(Environment environment, InstanceId instanceId) {
        return new ApplicationIdentity(() -> ApplicationIdentity.applicationName(environment), instanceId);
    }

    private static Path stateDir(Environment environment, TributaryProperties properties,
                                 ObjectProvider<EmbeddedBroker> broker) {
        EmbeddedBroker embedded = broker.getIfAvailable();
        if (embedded != null) {
            return embedded.dataDir();
        }
        if (properties.getBroker().isEphemeral() && properties.getBroker().getDataDir() == null) {
            // Throw-away runs (tests) against an external cluster: nothing is written under the user's home.
            return null;
        }
        return DataDirectory.resolve(properties.getBroker(), ApplicationIdentity.applicationName(environment,
                "application"));
    }
}
