package io.tributary.spring;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.util.unit.DataSize;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of Tributary in a Spring Boot application ({@code tributary.*}). Kafka client settings stay under
 * Spring Boot's own {@code spring.kafka.*}.
 */
@ConfigurationProperties("tributary")
public class TributaryProperties {

    /**
     * Where the cluster is: EMBEDDED starts a broker node inside the application; EXTERNAL starts none and uses
     * spring.kafka.bootstrap-servers. Setting spring.kafka.bootstrap-servers alone also means EXTERNAL.
     */
    private Mode mode = Mode.EMBEDDED;

    /**
     * Delivery semantics of listeners and the template: at-most-once, at-least-once or exactly-once. Sets producer,
     * consumer and listener-container properties together; a listener can override it.
     */
    private DeliverySemantics delivery = DeliverySemantics.AT_LEAST_ONCE;

    /**
     * Prefix of the transactional ids of exactly-once producers; empty means "{spring.application.name}-tx-".
     * Must differ between applications that share a cluster.
     */
    private String transactionIdPrefix = "";

    private final Broker broker = new Broker();

    private final Listener listener = new Listener();

    private final Health health = new Health();

    private final Metrics metrics = new Metrics();

    public Mode getMode() {
        return mode;
    }

    public void setMode(Mode mode) {
        this.mode = mode;
    }

    public DeliverySemantics getDelivery() {
        return delivery;
    }

    public void setDelivery(DeliverySemantics delivery) {
        this.delivery = delivery;
    }

    public String getTransactionIdPrefix() {
        return transactionIdPrefix;
    }

    public void setTransactionIdPrefix(String transactionIdPrefix) {
        this.transactionIdPrefix = transactionIdPrefix;
    }

    public Broker getBroker() {
        return broker;
    }

    public Listener getListener() {
        return listener;
    }

    public Health getHealth() {
        return health;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    /** Where the cluster runs. */
    public enum Mode {
        /** A broker node starts and stops with the application. */
        EMBEDDED,
        /** The application uses the cluster at spring.kafka.bootstrap-servers. */
        EXTERNAL
    }

    /** The embedded broker node ({@code tributary.broker.*}). */
    public static class Broker {

        /**
         * Directory of the broker's logs. Empty means "{java.io.tmpdir}/tributary/{spring.application.name}", one per
         * application, kept across restarts.
         */
        private Path dataDir;

        /**
         * Delete the data directory when the application stops, and use a fresh temporary one when data-dir is not
         * set (tests).
         */
        private boolean ephemeral = false;

        /** Address the broker listens on. */
        private String host = "127.0.0.1";

        /** Port the broker listens on; 0 picks a free port, which the application then reads back. */
        private int port = 0;

        /** Partitions of automatically created topics and of @Topic types that do not set them. */
        private int partitions = 1;

        /** How long records are kept before old segments are deleted (log.retention.ms); empty keeps 7 days. */
        private Duration retention;

        /** Whether producing to or fetching from an unknown topic creates it (auto.create.topics.enable). */
        private boolean autoCreateTopics = true;

        /**
         * Any other broker configuration by its Kafka name, e.g. log.segment.bytes or
         * group.initial.rebalance.delay.ms. These win over the properties above.
         */
        private Map<String, String> properties = new LinkedHashMap<>();

        public Path getDataDir() {
            return dataDir;
        }

        public void setDataDir(Path dataDir) {
            this.dataDir = dataDir;
        }

        public boolean isEphemeral() {
            return ephemeral;
        }

        public void setEphemeral(boolean ephemeral) {
            this.ephemeral = ephemeral;
        }

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public int getPort() {
            return port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        public int getPartitions() {
            return partitions;
        }

        public void setPartitions(int partitions) {
            this.partitions = partitions;
        }

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        public boolean isAutoCreateTopics() {
            return autoCreateTopics;
        }

        public void setAutoCreateTopics(boolean autoCreateTopics) {
            this.autoCreateTopics = autoCreateTopics;
        }

        public Map<String, String> getProperties() {
            return properties;
        }

        public void setProperties(Map<String, String> properties) {
            this.properties = properties;
        }
    }

    /** Listener containers ({@code tributary.listener.*}). */
    public static class Listener {

        /** Deliveries of a failing record in at-least-once and exactly-once listeners before it goes to the DLT. */
        private int maxAttempts = 3;

        /** Back-off before the first redelivery; it doubles each time up to max-backoff. */
        private Duration backoff = Duration.ofMillis(200);

        /** Longest back-off between redeliveries. */
        private Duration maxBackoff = Duration.ofSeconds(5);

        /** Suffix of dead-letter topics: records that still fail go to "{topic}{suffix}". */
        private String deadLetterSuffix = ".DLT";

        /**
         * Create the declared topics at startup when missing: @Topic types, each listener's topic and its dead-letter
         * topic. Off for clusters where applications may not create topics.
         */
        private boolean createTopics = true;

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getBackoff() {
            return backoff;
        }

        public void setBackoff(Duration backoff) {
            this.backoff = backoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public String getDeadLetterSuffix() {
            return deadLetterSuffix;
        }

        public void setDeadLetterSuffix(String deadLetterSuffix) {
            this.deadLetterSuffix = deadLetterSuffix;
        }

        public boolean isCreateTopics() {
            return createTopics;
        }

        public void setCreateTopics(boolean createTopics) {
            this.createTopics = createTopics;
        }
    }

    /** The {@code tributary} health indicator ({@code tributary.health.*}). */
    public static class Health {

        /** Longest wait for the cluster's answer to describeCluster (external mode) before reporting DOWN. */
        private Duration timeout = Duration.ofSeconds(5);

        /** The embedded broker is DOWN when a log directory has less free space than this. */
        private DataSize minFreeDisk = DataSize.ofMegabytes(100);

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public DataSize getMinFreeDisk() {
            return minFreeDisk;
        }

        public void setMinFreeDisk(DataSize minFreeDisk) {
            this.minFreeDisk = minFreeDisk;
        }
    }

    /** Micrometer meters ({@code tributary.metrics.*}). */
    public static class Metrics {

        /** How often consumer lag is read from the cluster, and new broker APIs and topics get their meters. */
        private Duration refreshInterval = Duration.ofSeconds(10);

        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }
    }
}
