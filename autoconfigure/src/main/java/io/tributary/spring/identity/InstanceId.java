package io.tributary.spring.identity;

import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * This instance's id among the application's replicas, resolved on first {@link #get()}: {@code tributary.instance-id};
 * else, on Kubernetes ({@code KUBERNETES_SERVICE_HOST} set), the StatefulSet ordinal that ends {@code HOSTNAME}
 * ({@code billing-2} is {@code 2}); else a generated id in a slot of {@code {stateDir}/instances}, held until
 * {@link #close()}. Each is unique per running replica and the same after its restart, which is what spring-kafka
 * asks of the transactional-id prefix of consumer-initiated transactions (no zombie fencing across replicas).
 */
final class InstanceId implements Supplier<String>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InstanceId.class);
    private static final Pattern ORDINAL = Pattern.compile(".+-(\\d+)");

    private final Environment environment;
    private final Supplier<Path> stateDir;
    private String id;
    private InstanceIdSlot slot;

    InstanceId(Environment environment, Supplier<Path> stateDir) {
        this.environment = environment;
        this.stateDir = stateDir;
    }

    @Override
    public synchronized String get() {
        if (id == null) {
            String source = resolve();
            log.info("This instance's id is {} ({}): its transactional ids differ from every other replica's", id,
                    source);
        }
        return id;
    }

    /** Sets {@link #id}, returning where it came from. */
    private String resolve() {
        String configured = environment.getProperty("tributary.instance-id");
        if (StringUtils.hasText(configured)) {
            id = configured.trim();
            return "tributary.instance-id";
        }
        String hostname = environment.getProperty("HOSTNAME");
        if (StringUtils.hasText(environment.getProperty("KUBERNETES_SERVICE_HOST")) && hostname != null) {
            Matcher ordinal = ORDINAL.matcher(hostname.trim());
            if (ordinal.matches()) {
                id = ordinal.group(1);
                return "StatefulSet ordinal of pod " + hostname.trim();
            }
        }
        Path dir = stateDir.get();
        if (dir == null) {
            id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            return "generated for this run only: tributary.broker.ephemeral keeps nothing; set tributary.instance-id"
                    + " to choose";
        }
        slot = InstanceIdSlot.claim(dir.resolve("instances"));
        id = slot.id();
        return "generated, kept in " + slot.file() + " while this instance runs; set tributary.instance-id to choose";
    }

    @Override
    public synchronized void close() {
        if (slot != null) {
            slot.close();
            slot = null;
        }
    }
}
