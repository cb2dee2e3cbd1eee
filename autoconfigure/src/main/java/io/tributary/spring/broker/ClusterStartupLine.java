package io.tributary.spring.broker;

import io.tributary.spring.identity.ApplicationIdentity;
import io.tributary.spring.identity.MissingApplicationNameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * The one INFO line that says, once every bean exists, which cluster the application uses, where its data lives,
 * how to change that, and who this instance is: the first thing to read when messages go somewhere unexpected.
 */
final class ClusterStartupLine implements SmartInitializingSingleton {
    private static final Logger log = LoggerFactory.getLogger(ClusterStartupLine.class);

    private final ClusterSummary summary;
    private final ObjectProvider<ApplicationIdentity> identity;

    ClusterStartupLine(ClusterSummary summary, ObjectProvider<ApplicationIdentity> identity) {
        this.summary = summary;
        this.identity = identity;
    }

    @Override
    public void afterSingletonsInstantiated() {
        log.info("Tributary: {}{}", summary.describe(), instance());
    }

    private String instance() {
        ApplicationIdentity application = identity.getIfAvailable();
        if (application == null) {
            return "";
        }
        String id = application.resolvedInstanceId().map(value -> "instance " + value)
                .orElse("no instance id claimed (no transactional producer)");
        String name;
        try {
            name = application.name();
        } catch (MissingApplicationNameException e) {
            name = "without a name (set spring.application.name)";
        }
        return "; application " + name + ", " + id;
    }
}
