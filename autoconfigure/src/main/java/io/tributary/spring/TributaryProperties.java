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
     * Where the cluster is: AUTO starts a broker node inside the application unless it is configured for another
     * cluster (spring.kafka.bootstrap-servers in any form, or a KafkaConnectionDetails bean such as
     * a @ServiceConnection); EMBEDDED always starts one and ignores spring.kafka.bootstrap-servers; EXTERNAL never
     * starts one.
     */
    private Mode mode = Mode.AUTO;

    /**
     * Id of this running instance among the application's replicas, part of its default transactional-id prefix.
     * Empty means the StatefulSet ordinal on Kubernetes, else an id generated once and kept in the data directory.
     */
    private String instanceId = "";

    /**
     * Delivery semantics of listeners and the template: at-most-once, at-least-once or exactly-once. Sets producer,
     * consumer and listener-container properties together; a listener can override it.
     */
    private DeliverySemantics delivery = DeliverySemantics.AT_LEAST_ONCE;

    /**
     * Prefix of the transactional ids of exactly-once producers; empty means this instance's own
     * "{application name}-{instance id}-tx-", so that replicas never fence each other. Must differ between running
     * instances that share a cluster.
     */
    private String transactionIdPrefix = "";

    private final Broker broker = new Broker();

    private final Listener listener = new Listener();

    /**
     * Retry settings of single listeners by listener id (tributary.listeners.<id>.*); these win over the
     * listener's @TopicListener attributes.
     */
    private Map<String, ListenerSettings> listeners = new LinkedHashMap<>();

    private final Health health = new Health();

    private final Metrics metrics = new Metrics();

    private final Outbox outbox = new Outbox();

    public Mode getMode() {
        return mode;
    }

    public void setMode(Mode mode) {
        this.mode = mode;
    }

    public String getInstanceId() {
        return instanceId;
    }

    public void setInstanceId(String instanceId) {
        this.instanceId = instanceId;
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

    public Map<String, ListenerSettings> getListeners() {
        return listeners;
    }

    public void setListeners(Map<String, ListenerSettings> listeners) {
        this.listeners = listeners;
    }

    public Health getHealth() {
        return health;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public Outbox getOutbox() {
        return outbox;
    }

    /** Where the cluster runs. */
    public enum Mode {
        /** Embedded unless the application is configured for another cluster. */
        AUTO,
        /** A broker node starts and stops with the application, whatever else is configured. */
        EMBEDDED,
        /** No broker node: the application uses the cluster its Kafka connection details name. */
        EXTERNAL
    }

    /** The embedded broker node ({@code tributary.broker.*}). */
    public static class Broker {

        /**
         * Directory of the broker's logs and of this instance's generated id. Empty means
         * "{user.home}/.tributary/{application name}", one per application, kept across restarts and reboots.
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

        /**
         * Where a consumer group without a committed offset starts reading (auto.offset.reset): earliest, latest or
         * none. spring.kafka.consumer.auto-offset-reset, when set, wins.
         */
        private String autoOffsetReset = "earliest";

        public String getAutoOffsetReset() {
            return autoOffsetReset;
        }

        public void setAutoOffsetReset(String autoOffsetReset) {
            this.autoOffsetReset = autoOffsetReset;
        }

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

    /** One listener's retries ({@code tributary.listeners.<id>.*}); an unset value keeps the listener's own. */
    public static class ListenerSettings {

        /** Deliveries of a failing record before it goes to the dead-letter topic. */
        private Integer maxAttempts;

        /** Back-off before the first redelivery; it doubles each time up to max-backoff. */
        private Duration backoff;

        /** Longest back-off between redeliveries. */
        private Duration maxBackoff;

        /** Retry through retry topics (non-blocking) instead of redelivering in place. */
        private Boolean retryTopics;

        /** With retry topics: later records of a key whose record is being retried wait behind it. */
        private Boolean keepKeyOrder;

        public Integer getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(Integer maxAttempts) {
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

        public Boolean getRetryTopics() {
            return retryTopics;
        }

        public void setRetryTopics(Boolean retryTopics) {
            this.retryTopics = retryTopics;
        }

        public Boolean getKeepKeyOrder() {
            return keepKeyOrder;
        }

        public void setKeepKeyOrder(Boolean keepKeyOrder) {
            this.keepKeyOrder = keepKeyOrder;
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

    /** The outbox of events forwarded from Spring's publishEvent ({@code tributary.outbox.*}); see docs/outbox.md. */
    public static class Outbox {

        /**
         * Record forwarded events in the outbox table, in the publishing database transaction, when the application
         * has a DataSource. false sends them from memory after commit, as without a DataSource.
         */
        private boolean enabled = true;

        /**
         * When to create the outbox table (tributary_event_publication) from the schema script of the database
         * (H2, PostgreSQL, MySQL/MariaDB): embedded (only for an embedded database), always or never.
         */
        private SchemaInitialization initializeSchema = SchemaInitialization.EMBEDDED;

        /**
         * Incomplete publications older than this are sent again, at startup and by the periodic check: those of
         * an instance that stopped before the broker acknowledged them.
         */
        private Duration resubmitAfter = Duration.ofMinutes(1);

        /** How often incomplete publications are looked up to be resent, and expired completed ones deleted. */
        private Duration resubmitInterval = Duration.ofMinutes(1);

        /** Back-off before the first resend of a failed send; it doubles each time up to max-backoff. */
        private Duration backoff = Duration.ofSeconds(1);

        /** Longest back-off between resends. */
        private Duration maxBackoff = Duration.ofMinutes(1);

        /**
         * Sends of one event from the outbox table before this instance stops retrying it; the periodic check
         * (resubmit-interval) resends it later. Without an outbox table an event is retried until acknowledged.
         */
        private int maxAttempts = 10;

        /** How long completed publications stay in the outbox table before they are deleted. */
        private Duration completedRetention = Duration.ofDays(1);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public SchemaInitialization getInitializeSchema() {
            return initializeSchema;
        }

        public void setInitializeSchema(SchemaInitialization initializeSchema) {
            this.initializeSchema = initializeSchema;
        }

        public Duration getResubmitAfter() {
            return resubmitAfter;
        }

        public void setResubmitAfter(Duration resubmitAfter) {
            this.resubmitAfter = resubmitAfter;
        }

        public Duration getResubmitInterval() {
            return resubmitInterval;
        }

        public void setResubmitInterval(Duration resubmitInterval) {
            this.resubmitInterval = resubmitInterval;
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

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getCompletedRetention() {
            return completedRetention;
        }

        public void setCompletedRetention(Duration completedRetention) {
            this.completedRetention = completedRetention;
        }

        /** When the outbox table is created, as Spring Boot's DatabaseInitializationMode. */
        public enum SchemaInitialization {
            /** Only for an embedded database (H2, HSQLDB, Derby). */
            EMBEDDED,
            /** Always (the script creates the table only if it does not exist). */
            ALWAYS,
            /** Never: the table is created with the application's own migrations. */
            NEVER
        }
    }
}
