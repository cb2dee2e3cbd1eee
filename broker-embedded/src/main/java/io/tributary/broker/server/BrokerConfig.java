package io.tributary.broker.server;

import io.tributary.broker.group.GroupConfig;
import io.tributary.broker.log.CleanerConfig;
import io.tributary.broker.log.LogConfig;
import io.tributary.broker.txn.TransactionConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's static configuration, under Apache Kafka's property names.
 *
 * <p>Parsing goes through kafka-clients' {@link ConfigDef}, so an invalid value fails with Kafka's own message
 * ("Invalid value X for configuration Y: ..."). Names we do not know are warned about by name; names Kafka knows
 * but Tributary does not implement (yet) are warned about as ignored. Topic-level defaults
 * ({@code log.retention.ms}, {@code log.segment.bytes}, ...) are defined by {@link LogConfig} and read from here.
 */
public final class BrokerConfig {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);

    public static final String NODE_ID = "node.id";
    public static final String BROKER_ID = "broker.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String CLUSTER_ID = "cluster.id";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String NETWORK_INLINE_HANDLING_ENABLE = "network.inline.handling.enable";
    public static final String QUEUED_MAX_REQUESTS = "queued.max.requests";
    public static final String QUEUED_MAX_REQUEST_BYTES = "queued.max.request.bytes";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String BACKGROUND_THREADS = "background.threads";
    public static final String NUM_RECOVERY_THREADS_PER_DATA_DIR = "num.recovery.threads.per.data.dir";
    public static final String FETCH_MAX_BYTES = "fetch.max.bytes";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String LOG_FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_MAX_SIZE = "group.max.size";
    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTION_STATE_LOG_NUM_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String TRANSACTION_STATE_LOG_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String TRANSACTION_STATE_LOG_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TRANSACTION_ABORT_TIMED_OUT_INTERVAL_MS =
            "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TRANSACTION_REMOVE_EXPIRED_INTERVAL_MS =
            "transaction.remove.expired.transaction.cleanup.interval.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = "producer.id.expiration.check.interval.ms";
    public static final String LOG_RETENTION_MINUTES = "log.retention.minutes";
    public static final String LOG_RETENTION_HOURS = "log.retention.hours";
    public static final String LOG_ROLL_HOURS = "log.roll.hours";
    public static final String LOG_ROLL_JITTER_HOURS = "log.roll.jitter.hours";
    public static final String LOG_CLEANER_ENABLE = "log.cleaner.enable";
    public static final String LOG_CLEANER_THREADS = "log.cleaner.threads";
    public static final String LOG_CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String LOG_CLEANER_IO_BUFFER_LOAD_FACTOR = "log.cleaner.io.buffer.load.factor";
    public static final String LOG_CLEANER_IO_BUFFER_SIZE = "log.cleaner.io.buffer.size";
    public static final String LOG_CLEANER_IO_MAX_BYTES_PER_SECOND = "log.cleaner.io.max.bytes.per.second";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String PROCESS_ROLES = "process.roles";
    public static final String CONTROLLER_QUORUM_VOTERS = "controller.quorum.voters";
    public static final String CONTROLLER_QUORUM_BOOTSTRAP_SERVERS = "controller.quorum.bootstrap.servers";
    public static final String CONTROLLER_LISTENER_NAMES = "controller.listener.names";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS = "controller.quorum.election.timeout.ms";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String INITIAL_BROKER_REGISTRATION_TIMEOUT_MS = "initial.broker.registration.timeout.ms";
    public static final String BROKER_RACK = "broker.rack";
    public static final String REPLICA_SELECTOR_CLASS = "replica.selector.class";
    /**
     * Kafka's rack-aware selector (KIP-392), the one value {@code replica.selector.class} takes here. Joined at run
     * time: the shaded jar relocates Kafka's packages, and a literal class name would be rewritten with them.
     */
    public static final String RACK_AWARE_REPLICA_SELECTOR = String.join(".", "org", "apache", "kafka", "common",
            "replica", "RackAwareReplicaSelector");
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String NUM_REPLICA_FETCHERS = "num.replica.fetchers";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String REPLICA_FETCH_RESPONSE_MAX_BYTES = "replica.fetch.response.max.bytes";
    public static final String REPLICA_FETCH_WAIT_MAX_MS = "replica.fetch.wait.max.ms";
    public static final String REPLICA_FETCH_MIN_BYTES = "replica.fetch.min.bytes";
    public static final String REPLICA_FETCH_BACKOFF_MS = "replica.fetch.backoff.ms";
    public static final String METADATA_LOG_DIR = "metadata.log.dir";

    /** Kafka broker properties that are valid in Kafka but have no effect in Tributary yet. */
    private static final Set<String> KNOWN_NOT_IMPLEMENTED = Set.of(
            "socket.send.buffer.bytes", "socket.receive.buffer.bytes",
            "transaction.state.log.min.isr",
            "group.coordinator.rebalance.protocols", "share.coordinator.state.topic.replication.factor",
            "share.coordinator.state.topic.min.isr");

    static final ConfigDef DEFINITION = define();

    private final Map<String, Object> values;
    private final Map<String, String> originals;
    private final List<Path> logDirs;
    private final Listener listener;
    private final Listener advertisedListener;
    private final Listener controllerListener;
    private final List<Voter> voters;
    private final Set<String> processRoles;

    private BrokerConfig(Map<String, String> originals) {
        this.originals = Map.copyOf(originals);
        this.values = Collections.unmodifiableMap(DEFINITION.parse(originals));
        List<String> dirs = (List<String>) values.get(LOG_DIRS);
        if (dirs == null || dirs.isEmpty()) {
            dirs = List.of((String) values.get(LOG_DIR));
        }
        var paths = new ArrayList<Path>();
        for (String dir : dirs) {
            paths.add(Path.of(dir.trim()));
        }
        this.logDirs = List.copyOf(paths);
        this.processRoles = processRoles((List<String>) values.get(PROCESS_ROLES));
        this.voters = voters((List<String>) values.get(CONTROLLER_QUORUM_VOTERS));
        List<String> controllerNames = ((List<String>) values.get(CONTROLLER_LISTENER_NAMES)).stream()
                .map(String::trim).toList();
        Map<String, String> protocols = protocolMap((List<String>) values.get(LISTENER_SECURITY_PROTOCOL_MAP));
        Listener client = null;
        Listener controllerSide = null;
        for (String entry : (List<String>) values.get(LISTENERS)) {
            Listener parsed = Listener.parse(LISTENERS, entry);
            String protocol = protocols.getOrDefault(parsed.name().toUpperCase(java.util.Locale.ROOT),
                    parsed.name().toUpperCase(java.util.Locale.ROOT));
            if (!protocol.equals("PLAINTEXT")) {
                throw new ConfigException(LISTENERS, entry, "listener " + parsed.name() + " uses " + protocol
                        + "; only PLAINTEXT listeners are supported");
            }
            if (controllerNames.contains(parsed.name())) {
                controllerSide = controllerSide == null ? parsed : controllerSide;
            } else if (client == null) {
                client = parsed;
            }
        }
        if (client == null && processRoles.contains("broker")) {
            throw new ConfigException(LISTENERS, values.get(LISTENERS), "a broker needs a client listener (one that is"
                    + " not in controller.listener.names " + controllerNames + "), e.g. PLAINTEXT://:9092");
        }
        this.listener = client;
        this.controllerListener = controllerSide;
        Listener advertisedClient = null;
        List<String> advertised = (List<String>) values.get(ADVERTISED_LISTENERS);
        if (advertised != null) {
            for (String entry : advertised) {
                Listener parsed = Listener.parse(ADVERTISED_LISTENERS, entry);
                if (client != null && parsed.name().equals(client.name())) {
                    advertisedClient = parsed;
                }
            }
            if (advertisedClient == null && !advertised.isEmpty() && client != null) {
                throw new ConfigException(ADVERTISED_LISTENERS, advertised, "names no listener " + client.name());
            }
        }
        this.advertisedListener = advertisedClient;
        if (!voters.isEmpty() && processRoles.contains("controller")) {
            Voter self = voters.stream().filter(voter -> voter.id() == nodeId()).findFirst().orElse(null);
            if (self == null) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, values.get(CONTROLLER_QUORUM_VOTERS),
                        "process.roles has controller, but node.id " + nodeId() + " is not one of the voters");
            }
            if (controllerSide != null && controllerSide.port() != 0 && controllerSide.port() != self.port()) {
                throw new ConfigException(LISTENERS, values.get(LISTENERS), "the controller listener "
                        + controllerSide + " is not on port " + self.port() + ", where controller.quorum.voters"
                        + " says node " + nodeId() + " listens");
            }
        }
        if (!processRoles.contains("controller") && !voters.isEmpty()
                && voters.stream().anyMatch(voter -> voter.id() == nodeId())) {
            throw new ConfigException(PROCESS_ROLES, values.get(PROCESS_ROLES), "node " + nodeId()
                    + " is a voter in controller.quorum.voters, so process.roles must include controller");
        }
        if (!processRoles.contains("controller") && voters.isEmpty()) {
            throw new ConfigException(PROCESS_ROLES, values.get(PROCESS_ROLES), "a node that is only a broker needs"
                    + " the controller quorum it follows: set controller.quorum.voters");
        }
        if (!processRoles.contains("broker")) {
            if (voters.isEmpty()) {
                throw new ConfigException(PROCESS_ROLES, values.get(PROCESS_ROLES), "a node that is only a"
                        + " controller needs controller.quorum.voters (with this node among them)");
            }
            if (controllerSide == null) {
                throw new ConfigException(LISTENERS, values.get(LISTENERS), "a controller needs a listener named in"
                        + " controller.listener.names " + controllerNames + ", e.g. CONTROLLER://:9093");
            }
        }
        if (nodeId() < 0) {
            throw new ConfigException(NODE_ID, nodeId(), "must be >= 0");
        }
        Long queuedMaxRequestBytes = (Long) values.get(QUEUED_MAX_REQUEST_BYTES);
        if (queuedMaxRequestBytes != null && queuedMaxRequestBytes > 0
                && queuedMaxRequestBytes < socketRequestMaxBytes()) {
            throw new ConfigException(QUEUED_MAX_REQUEST_BYTES, queuedMaxRequestBytes,
                    "must be at least socket.request.max.bytes (" + socketRequestMaxBytes()
                            + "), or -1 for no bound (Kafka's rule)");
        }
        CleanerConfig cleaner = cleanerConfig();
        if (cleaner.threads() > 0 && cleaner.dedupeBufferBytes() / cleaner.threads() < 1024 * 1024) {
            throw new ConfigException(LOG_CLEANER_DEDUPE_BUFFER_SIZE, cleaner.dedupeBufferBytes(),
                    "must be at least 1MB per cleaner thread (Kafka's rule)");
        }
    }

    /**
     * Parses and validates Kafka-named broker properties.
     *
     * @throws ConfigException naming the property when a value is invalid
     */
    public static BrokerConfig fromMap(Map<String, ?> properties) {
        var strings = new HashMap<String, String>();
        properties.forEach((key, value) -> strings.put(key, value == null ? null : String.valueOf(value)));
        if (strings.containsKey(BROKER_ID) && !strings.containsKey(NODE_ID)) {
            strings.put(NODE_ID, strings.get(BROKER_ID));
        }
        for (String name : strings.keySet()) {
            if (KNOWN_NOT_IMPLEMENTED.contains(name)) {
                log.warn("Broker config '{}' is a Kafka config that Tributary does not implement; it is ignored", name);
            } else if (!DEFINITION.names().contains(name) && !name.equals(BROKER_ID)) {
                log.warn("Unknown broker config '{}' is ignored", name);
            }
        }
        return new BrokerConfig(strings);
    }

    public static BrokerConfig defaults() {
        return fromMap(Map.of());
    }

    /** Returns a copy with the given properties replaced. */
    public BrokerConfig with(Map<String, ?> overrides) {
        var merged = new HashMap<String, Object>(originals);
        merged.putAll(overrides);
        return fromMap(merged);
    }

    public int nodeId() {
        return (Integer) values.get(NODE_ID);
    }

    /** The client listener; null on a node that is only a controller. */
    public Listener listener() {
        return listener;
    }

    /** The controller listener (named in {@code controller.listener.names}), or null when none is listed. */
    public Listener controllerListener() {
        return controllerListener;
    }

    /** {@code controller.quorum.voters}; empty for a single node that keeps its metadata log locally. */
    public List<Voter> voters() {
        return voters;
    }

    /** {@code process.roles}: broker, controller, or both. */
    public Set<String> processRoles() {
        return processRoles;
    }

    /** Whether this node serves clients and holds partitions ({@code process.roles} has broker). */
    public boolean isBroker() {
        return processRoles.contains("broker");
    }

    /** Whether this node is a voter of the controller quorum ({@code process.roles} has controller). */
    public boolean isController() {
        return processRoles.contains("controller");
    }

    /** A node of a cluster: it has a controller quorum to join. */
    public boolean isClustered() {
        return !voters.isEmpty();
    }

    public long controllerQuorumElectionTimeoutMs() {
        return (Integer) values.get(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS);
    }

    public long brokerHeartbeatIntervalMs() {
        return (Integer) values.get(BROKER_HEARTBEAT_INTERVAL_MS);
    }

    public long brokerSessionTimeoutMs() {
        return (Integer) values.get(BROKER_SESSION_TIMEOUT_MS);
    }

    public long initialBrokerRegistrationTimeoutMs() {
        return (Integer) values.get(INITIAL_BROKER_REGISTRATION_TIMEOUT_MS);
    }

    public String brokerRack() {
        return (String) values.get(BROKER_RACK);
    }

    /** Whether consumers are sent to an in-sync replica in their rack ({@code replica.selector.class}, KIP-392). */
    public boolean rackAwareReads() {
        return RACK_AWARE_REPLICA_SELECTOR.equals(values.get(REPLICA_SELECTOR_CLASS));
    }

    public long replicaLagTimeMaxMs() {
        return (Long) values.get(REPLICA_LAG_TIME_MAX_MS);
    }

    public int numReplicaFetchers() {
        return (Integer) values.get(NUM_REPLICA_FETCHERS);
    }

    public int replicaFetchMaxBytes() {
        return (Integer) values.get(REPLICA_FETCH_MAX_BYTES);
    }

    public int replicaFetchResponseMaxBytes() {
        return (Integer) values.get(REPLICA_FETCH_RESPONSE_MAX_BYTES);
    }

    public int replicaFetchWaitMaxMs() {
        return (Integer) values.get(REPLICA_FETCH_WAIT_MAX_MS);
    }

    public int replicaFetchMinBytes() {
        return (Integer) values.get(REPLICA_FETCH_MIN_BYTES);
    }

    public long replicaFetchBackoffMs() {
        return (Integer) values.get(REPLICA_FETCH_BACKOFF_MS);
    }

    /** {@code metadata.log.dir}: where the metadata log lives; the first log directory when unset. */
    public Path metadataLogDir() {
        String dir = (String) values.get(METADATA_LOG_DIR);
        return dir == null ? logDirs.get(0) : Path.of(dir);
    }

    /** The listener clients are told to connect to; null means "the bound address". */
    public Listener advertisedListener() {
        return advertisedListener;
    }

    public List<Path> logDirs() {
        return logDirs;
    }

    public String clusterId() {
        return (String) values.get(CLUSTER_ID);
    }

    public int numPartitions() {
        return (Integer) values.get(NUM_PARTITIONS);
    }

    public short defaultReplicationFactor() {
        return ((Short) values.get(DEFAULT_REPLICATION_FACTOR));
    }

    public boolean autoCreateTopicsEnable() {
        return (Boolean) values.get(AUTO_CREATE_TOPICS_ENABLE);
    }

    public boolean deleteTopicEnable() {
        return (Boolean) values.get(DELETE_TOPIC_ENABLE);
    }

    public int socketRequestMaxBytes() {
        return (Integer) values.get(SOCKET_REQUEST_MAX_BYTES);
    }

    public int numNetworkThreads() {
        return (Integer) values.get(NUM_NETWORK_THREADS);
    }

    public int numIoThreads() {
        return (Integer) values.get(NUM_IO_THREADS);
    }

    /** The APIs handled on the network thread that read them: Produce and Fetch, unless turned off. */
    public Set<ApiKeys> inlineApis() {
        return (Boolean) values.get(NETWORK_INLINE_HANDLING_ENABLE) ? Set.of(ApiKeys.PRODUCE, ApiKeys.FETCH) : Set.of();
    }

    public int numRecoveryThreadsPerDataDir() {
        return (Integer) values.get(NUM_RECOVERY_THREADS_PER_DATA_DIR);
    }

    public int queuedMaxRequests() {
        return (Integer) values.get(QUEUED_MAX_REQUESTS);
    }

    /**
     * The bytes that requests read and not yet handled may hold, over all connections; {@link Long#MAX_VALUE} when
     * unbounded ({@code -1}, Kafka's default). Unset, a quarter of the JVM's maximum heap, and never less than one
     * request of {@code socket.request.max.bytes}: the broker shares the heap with the application embedding it, and
     * request buffers come from Netty's direct memory, whose limit is the maximum heap unless set otherwise.
     */
    public long queuedMaxRequestBytes() {
        Long configured = (Long) values.get(QUEUED_MAX_REQUEST_BYTES);
        if (configured == null) {
            return Math.max(Runtime.getRuntime().maxMemory() / 4, socketRequestMaxBytes());
        }
        return configured <= 0 ? Long.MAX_VALUE : configured;
    }

    /** How long a connection may be idle before the broker closes it; 0 or less: never. */
    public long connectionsMaxIdleMs() {
        return (Long) values.get(CONNECTIONS_MAX_IDLE_MS);
    }

    public int backgroundThreads() {
        return (Integer) values.get(BACKGROUND_THREADS);
    }

    public int fetchMaxBytes() {
        return (Integer) values.get(FETCH_MAX_BYTES);
    }

    public long logRetentionCheckIntervalMs() {
        return (Long) values.get(LOG_RETENTION_CHECK_INTERVAL_MS);
    }

    public long logFlushSchedulerIntervalMs() {
        return (Long) values.get(LOG_FLUSH_SCHEDULER_INTERVAL_MS);
    }

    public long logFlushOffsetCheckpointIntervalMs() {
        return ((Integer) values.get(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS)).longValue();
    }

    public long fileDeleteDelayMs() {
        return (Long) values.get(FILE_DELETE_DELAY_MS);
    }

    /** The group coordinator's settings. */
    public GroupConfig groupConfig() {
        return new GroupConfig((Integer) values.get(OFFSETS_TOPIC_NUM_PARTITIONS),
                (Integer) values.get(GROUP_MIN_SESSION_TIMEOUT_MS), (Integer) values.get(GROUP_MAX_SESSION_TIMEOUT_MS),
                (Integer) values.get(GROUP_INITIAL_REBALANCE_DELAY_MS), (Integer) values.get(GROUP_MAX_SIZE),
                GroupConfig.defaults().newMemberJoinTimeoutMs(),
                (Integer) values.get(OFFSETS_RETENTION_MINUTES) * 60_000L,
                (Long) values.get(OFFSETS_RETENTION_CHECK_INTERVAL_MS),
                (Integer) values.get(OFFSET_METADATA_MAX_BYTES));
    }

    /** The transaction coordinator's settings. */
    public TransactionConfig transactionConfig() {
        return new TransactionConfig((Integer) values.get(TRANSACTION_STATE_LOG_NUM_PARTITIONS),
                (Integer) values.get(TRANSACTION_MAX_TIMEOUT_MS),
                ((Integer) values.get(TRANSACTIONAL_ID_EXPIRATION_MS)).longValue(),
                ((Integer) values.get(TRANSACTION_ABORT_TIMED_OUT_INTERVAL_MS)).longValue(),
                ((Integer) values.get(TRANSACTION_REMOVE_EXPIRED_INTERVAL_MS)).longValue());
    }

    public short transactionStateLogReplicationFactor() {
        return (Short) values.get(TRANSACTION_STATE_LOG_REPLICATION_FACTOR);
    }

    public int transactionStateLogSegmentBytes() {
        return (Integer) values.get(TRANSACTION_STATE_LOG_SEGMENT_BYTES);
    }

    public long producerIdExpirationMs() {
        return ((Integer) values.get(PRODUCER_ID_EXPIRATION_MS)).longValue();
    }

    public long producerIdExpirationCheckIntervalMs() {
        return ((Integer) values.get(PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS)).longValue();
    }

    public short offsetsTopicReplicationFactor() {
        return (Short) values.get(OFFSETS_TOPIC_REPLICATION_FACTOR);
    }

    public int offsetsTopicSegmentBytes() {
        return (Integer) values.get(OFFSETS_TOPIC_SEGMENT_BYTES);
    }

    /** The log cleaner's settings ({@code log.cleaner.*}). */
    public CleanerConfig cleanerConfig() {
        return new CleanerConfig((Boolean) values.get(LOG_CLEANER_ENABLE),
                (Integer) values.get(LOG_CLEANER_THREADS),
                (Long) values.get(LOG_CLEANER_DEDUPE_BUFFER_SIZE),
                (Double) values.get(LOG_CLEANER_IO_BUFFER_LOAD_FACTOR),
                (Integer) values.get(LOG_CLEANER_IO_BUFFER_SIZE),
                (Double) values.get(LOG_CLEANER_IO_MAX_BYTES_PER_SECOND),
                (Long) values.get(LOG_CLEANER_BACKOFF_MS));
    }

    /** The raw value of any defined property, as parsed (Integer, Long, String, List, ...). */
    public Object value(String name) {
        return values.get(name);
    }

    /** The properties that were given explicitly, as strings. */
    public Map<String, String> originals() {
        return originals;
    }

    /**
     * Broker-level defaults for topic configs, keyed by the topic config name ({@code retention.ms}, ...),
     * resolving Kafka's synonym order (KafkaConfig): {@code log.retention.ms} over {@code .minutes} over
     * {@code .hours} (a negative result is -1), {@code log.roll.ms} over {@code log.roll.hours},
     * {@code log.roll.jitter.ms} over {@code log.roll.jitter.hours}.
     */
    public Map<String, Object> topicDefaults() {
        var defaults = new HashMap<String, Object>();
        for (LogConfig.Key key : LogConfig.keys()) {
            if (key.brokerSynonym() != null && values.get(key.brokerSynonym()) != null) {
                defaults.put(key.name(), values.get(key.brokerSynonym()));
            }
        }
        if (!defaults.containsKey(LogConfig.RETENTION_MS)) {
            Integer minutes = (Integer) values.get(LOG_RETENTION_MINUTES);
            long retentionMs = minutes != null ? minutes * 60_000L
                    : (Integer) values.get(LOG_RETENTION_HOURS) * 3_600_000L;
            defaults.put(LogConfig.RETENTION_MS, retentionMs < 0 ? -1L : retentionMs);
        }
        defaults.putIfAbsent(LogConfig.SEGMENT_MS, (Integer) values.get(LOG_ROLL_HOURS) * 3_600_000L);
        defaults.putIfAbsent(LogConfig.SEGMENT_JITTER_MS, (Integer) values.get(LOG_ROLL_JITTER_HOURS) * 3_600_000L);
        return defaults;
    }

    /** Every defined broker config name. */
    public static Set<String> names() {
        return DEFINITION.names();
    }

    public static ConfigDef definition() {
        return DEFINITION;
    }

    private static ConfigDef define() {
        var def = new ConfigDef()
                .define(NODE_ID, Type.INT, 1, Importance.HIGH, "The id of this node in the cluster.")
                .define(LISTENERS, Type.LIST, "PLAINTEXT://127.0.0.1:9092", Importance.HIGH,
                        "The listener to bind, as PLAINTEXT://host:port. Port 0 picks a free port.")
                .define(ADVERTISED_LISTENERS, Type.LIST, null, Importance.HIGH,
                        "The listener published to clients; defaults to the bound listener.")
                .define(LOG_DIRS, Type.LIST, null, Importance.HIGH, "Directories that hold the partition logs.")
                .define(LOG_DIR, Type.STRING, System.getProperty("java.io.tmpdir") + "/tributary-logs",
                        Importance.HIGH, "The log directory, when log.dirs is not set.")
                .define(CLUSTER_ID, Type.STRING, null, Importance.MEDIUM,
                        "The cluster id; generated and stored with the metadata on first start when unset.")
                .define(NUM_PARTITIONS, Type.INT, 1, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                        "Default partition count of auto-created topics and of CreateTopics with -1.")
                .define(DEFAULT_REPLICATION_FACTOR, Type.SHORT, (short) 1, ConfigDef.Range.atLeast(1),
                        Importance.MEDIUM, "Default replication factor of new topics.")
                .define(AUTO_CREATE_TOPICS_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM,
                        "Create a topic when a client asks for its metadata.")
                .define(DELETE_TOPIC_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM, "Allow DeleteTopics.")
                .define(SOCKET_REQUEST_MAX_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1), Importance.HIGH,
                        "The largest request frame; a larger one closes the connection.")
                .define(NUM_NETWORK_THREADS, Type.INT, 3, Range.atLeast(1), Importance.HIGH,
                        "Netty event-loop threads for socket I/O.")
                .define(NUM_IO_THREADS, Type.INT, 8, Range.atLeast(1), Importance.HIGH,
                        "Threads that handle requests (all but Produce and Fetch, unless "
                                + NETWORK_INLINE_HANDLING_ENABLE + "=false).")
                .define(NETWORK_INLINE_HANDLING_ENABLE, Type.BOOLEAN, true, Importance.LOW,
                        "Handle Produce and Fetch on the network thread that read them instead of handing them to a "
                                + "request thread (Tributary's own setting). They never wait on anything but their "
                                + "partitions (an acks=all produce or a fetch waiting for data is parked and answered "
                                + "later), and each hand-off costs two thread switches. false handles every request on "
                                + "the num.io.threads request threads, as Kafka does.")
                .define(NUM_RECOVERY_THREADS_PER_DATA_DIR, Type.INT, 2, Range.atLeast(1), Importance.HIGH,
                        "Threads per log directory that open and recover partition logs at start.")
                .define(QUEUED_MAX_REQUESTS, Type.INT, 500, Range.atLeast(1), Importance.HIGH,
                        "Requests read and waiting for a request thread, over all connections, before the broker "
                                + "stops reading requests.")
                .define(QUEUED_MAX_REQUEST_BYTES, Type.LONG, null, Importance.MEDIUM,
                        "Bytes of requests read and not yet handled, over all connections, before the broker stops "
                                + "reading requests; -1 for no bound. At least socket.request.max.bytes. Unset: a "
                                + "quarter of the maximum heap, at least socket.request.max.bytes.")
                .define(CONNECTIONS_MAX_IDLE_MS, Type.LONG, 600_000L, Importance.MEDIUM,
                        "Close a connection that received and sent nothing for this long, unless it waits for a "
                                + "response; -1 never.")
                .define(BACKGROUND_THREADS, Type.INT, 10, Range.atLeast(1), Importance.HIGH,
                        "Threads for disk work in the background: fsync of rolled segments, time-based flushes, "
                                + "retention, segment deletion, checkpoints, producer state expiry.")
                .define(FETCH_MAX_BYTES, Type.INT, 55 * 1024 * 1024, Range.atLeast(1024), Importance.MEDIUM,
                        "The largest fetch response the broker returns.")
                .define(LOG_RETENTION_CHECK_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1), Importance.MEDIUM,
                        "How often retention runs.")
                .define(LOG_FLUSH_SCHEDULER_INTERVAL_MS, Type.LONG, 1000L, Range.atLeast(1), Importance.MEDIUM,
                        "How often the flusher checks flush.ms.")
                .define(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, Type.INT, 60_000, Range.atLeast(0),
                        Importance.HIGH, "How often the recovery point is checkpointed.")
                .define(FILE_DELETE_DELAY_MS, Type.LONG, 60_000L, Range.atLeast(0), Importance.HIGH,
                        "Delay before a deleted segment's files are removed.")
                .define(LOG_RETENTION_MINUTES, Type.INT, null, Importance.HIGH, "Retention in minutes.")
                .define(LOG_RETENTION_HOURS, Type.INT, 168, Importance.HIGH, "Retention in hours.")
                .define(LOG_ROLL_HOURS, Type.INT, 168, Range.atLeast(1), Importance.HIGH, "Roll interval in hours.")
                .define(LOG_ROLL_JITTER_HOURS, Type.INT, 0, Range.atLeast(0), Importance.HIGH,
                        "Roll jitter in hours.")
                .define(LOG_CLEANER_ENABLE, Type.BOOLEAN, CleanerConfig.DEFAULT_ENABLE, Importance.MEDIUM,
                        "Run the log cleaner, which compacts topics with cleanup.policy=compact.")
                .define(LOG_CLEANER_THREADS, Type.INT, CleanerConfig.DEFAULT_THREADS, Range.atLeast(0),
                        Importance.MEDIUM, "Background threads that compact logs.")
                .define(LOG_CLEANER_DEDUPE_BUFFER_SIZE, Type.LONG, CleanerConfig.DEFAULT_DEDUPE_BUFFER_BYTES,
                        Importance.MEDIUM, "Memory of the cleaners' key to offset maps, across all cleaner threads "
                                + "(allocated as needed, at least 1MB per thread).")
                .define(LOG_CLEANER_IO_BUFFER_LOAD_FACTOR, Type.DOUBLE, CleanerConfig.DEFAULT_LOAD_FACTOR,
                        Range.between(0, 1), Importance.MEDIUM,
                        "How full a cleaner's key map may get; a pass stops there and the next one goes on.")
                .define(LOG_CLEANER_IO_BUFFER_SIZE, Type.INT, CleanerConfig.DEFAULT_IO_BUFFER_BYTES, Range.atLeast(0),
                        Importance.MEDIUM,
                        "Memory of the cleaners' read and write buffers, across all cleaner threads.")
                .define(LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, Type.DOUBLE,
                        CleanerConfig.DEFAULT_MAX_IO_BYTES_PER_SECOND, Importance.MEDIUM,
                        "Limit of the cleaners' read plus write I/O, on average.")
                .define(LOG_CLEANER_BACKOFF_MS, Type.LONG, CleanerConfig.DEFAULT_BACKOFF_MS, Range.atLeast(0),
                        Importance.MEDIUM, "Pause of a cleaner thread when no log is cleanable.")
                .define(OFFSETS_TOPIC_NUM_PARTITIONS, Type.INT, 50, Range.atLeast(1), Importance.HIGH,
                        "Partitions of __consumer_offsets.")
                .define(OFFSETS_TOPIC_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1),
                        Importance.HIGH, "Replication factor of __consumer_offsets.")
                .define(OFFSETS_TOPIC_SEGMENT_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1),
                        Importance.HIGH, "Segment size of __consumer_offsets (kept small so it compacts soon).")
                .define(OFFSETS_RETENTION_MINUTES, Type.INT, 7 * 24 * 60, Range.atLeast(1), Importance.HIGH,
                        "How long committed offsets of an empty group are kept.")
                .define(OFFSETS_RETENTION_CHECK_INTERVAL_MS, Type.LONG, 600_000L, Range.atLeast(1),
                        Importance.HIGH, "How often expired committed offsets are looked for.")
                .define(OFFSET_METADATA_MAX_BYTES, Type.INT, 4096, Importance.HIGH,
                        "The longest metadata string an offset commit may carry.")
                .define(GROUP_INITIAL_REBALANCE_DELAY_MS, Type.INT, 3000, Range.atLeast(0), Importance.MEDIUM,
                        "Delay of the first rebalance of a new group.")
                .define(GROUP_MIN_SESSION_TIMEOUT_MS, Type.INT, 6000, Importance.MEDIUM,
                        "The shortest session timeout a group member may ask for.")
                .define(GROUP_MAX_SESSION_TIMEOUT_MS, Type.INT, 1_800_000, Importance.MEDIUM,
                        "The longest session timeout a group member may ask for.")
                .define(GROUP_MAX_SIZE, Type.INT, Integer.MAX_VALUE, Range.atLeast(1), Importance.MEDIUM,
                        "The most members a group may have.")
                .define(TRANSACTION_MAX_TIMEOUT_MS, Type.INT, 900_000, Range.atLeast(1), Importance.HIGH,
                        "The largest transaction.timeout.ms a producer may ask for.")
                .define(TRANSACTION_STATE_LOG_NUM_PARTITIONS, Type.INT, 50, Range.atLeast(1), Importance.HIGH,
                        "Partitions of __transaction_state.")
                .define(TRANSACTION_STATE_LOG_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1),
                        Importance.HIGH, "Replication factor of __transaction_state.")
                .define(TRANSACTION_STATE_LOG_SEGMENT_BYTES, Type.INT, 100 * 1024 * 1024, Range.atLeast(1),
                        Importance.HIGH, "Segment size of __transaction_state.")
                .define(TRANSACTIONAL_ID_EXPIRATION_MS, Type.INT, 604_800_000, Range.atLeast(1), Importance.HIGH,
                        "How long a transactional id without transactions is kept before it is forgotten.")
                .define(TRANSACTION_ABORT_TIMED_OUT_INTERVAL_MS, Type.INT, 10_000, Range.atLeast(1), Importance.LOW,
                        "How often transactions open past their timeout are looked for and aborted.")
                .define(TRANSACTION_REMOVE_EXPIRED_INTERVAL_MS, Type.INT, 3_600_000, Range.atLeast(1),
                        Importance.LOW, "How often expired transactional ids are looked for.")
                .define(PRODUCER_ID_EXPIRATION_MS, Type.INT, 86_400_000, Range.atLeast(1), Importance.LOW,
                        "How long a partition keeps an idle producer's state (its sequence numbers).")
                .define(PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, Type.INT, 600_000, Range.atLeast(1),
                        Importance.LOW, "How often idle producers' state is looked for.");
        def.define(PROCESS_ROLES, Type.LIST, "broker,controller", Importance.HIGH,
                        "The roles of this node: broker, controller, or both. A controller is a voter of the"
                                + " controller quorum (controller.quorum.voters); a node that is only a broker follows"
                                + " the quorum's metadata log without voting.")
                .define(CONTROLLER_QUORUM_VOTERS, Type.LIST, "", Importance.HIGH,
                        "The controller quorum, id@host:port entries. Empty: a single node with a local metadata log.")
                .define(CONTROLLER_QUORUM_BOOTSTRAP_SERVERS, Type.LIST, "", Importance.HIGH,
                        "Accepted for Kafka compatibility; the quorum is found through controller.quorum.voters.")
                .define(CONTROLLER_LISTENER_NAMES, Type.LIST, "CONTROLLER", Importance.HIGH,
                        "Names of the listeners the controller quorum uses (its port is the voter's port).")
                .define(LISTENER_SECURITY_PROTOCOL_MAP, Type.LIST, "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                        Importance.LOW, "Listener name to security protocol; only PLAINTEXT is supported.")
                .define(INTER_BROKER_LISTENER_NAME, Type.STRING, null, Importance.LOW,
                        "Accepted for Kafka compatibility; brokers reach each other on their client listener.")
                .define(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, Type.INT, 500, Range.atLeast(10), Importance.HIGH,
                        "How long a voter waits for the quorum leader before it stands for election (Kafka: 1000).")
                .define(BROKER_HEARTBEAT_INTERVAL_MS, Type.INT, 250, Range.atLeast(10), Importance.MEDIUM,
                        "How often a broker heartbeats to the active controller (Kafka: 2000); a broker whose"
                                + " heartbeat is half an interval late and whose port refuses connections is fenced.")
                .define(BROKER_SESSION_TIMEOUT_MS, Type.INT, 3000, Range.atLeast(50), Importance.MEDIUM,
                        "How long the controller waits for a broker's heartbeat before fencing it (Kafka: 9000).")
                .define(INITIAL_BROKER_REGISTRATION_TIMEOUT_MS, Type.INT, 60_000, Range.atLeast(100),
                        Importance.MEDIUM, "How long a starting broker waits to be registered and unfenced.")
                .define(BROKER_RACK, Type.STRING, null, Importance.MEDIUM,
                        "The rack of this node: replicas of a partition are spread across racks.")
                .define(REPLICA_SELECTOR_CLASS, Type.STRING, null, ConfigDef.ValidString.in(null,
                                RACK_AWARE_REPLICA_SELECTOR), Importance.MEDIUM,
                        "Unset: consumers read from partition leaders. " + RACK_AWARE_REPLICA_SELECTOR
                                + ": a consumer that sets client.rack is sent to an in-sync replica in its rack"
                                + " (KIP-392).")
                .define(REPLICA_LAG_TIME_MAX_MS, Type.LONG, 30_000L, Range.atLeast(1), Importance.HIGH,
                        "A follower not caught up for this long leaves the ISR.")
                .define(NUM_REPLICA_FETCHERS, Type.INT, 1, Range.atLeast(1), Importance.HIGH,
                        "Fetcher threads per source broker.")
                .define(REPLICA_FETCH_MAX_BYTES, Type.INT, 1024 * 1024, Range.atLeast(0), Importance.MEDIUM,
                        "Bytes a follower fetches per partition per request.")
                .define(REPLICA_FETCH_RESPONSE_MAX_BYTES, Type.INT, 10 * 1024 * 1024, Range.atLeast(0),
                        Importance.MEDIUM, "Bytes a follower fetches per request.")
                .define(REPLICA_FETCH_WAIT_MAX_MS, Type.INT, 500, Range.atLeast(0), Importance.MEDIUM,
                        "How long a follower's fetch waits at the leader for data.")
                .define(REPLICA_FETCH_MIN_BYTES, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                        "Bytes a follower's fetch waits for.")
                .define(REPLICA_FETCH_BACKOFF_MS, Type.INT, 1000, Range.atLeast(0), Importance.MEDIUM,
                        "How long a follower waits after a fetch error on a partition.")
                .define(METADATA_LOG_DIR, Type.STRING, null, Importance.HIGH,
                        "Where the metadata log lives; the first of log.dirs when unset.");
        for (LogConfig.Key key : LogConfig.keys()) {
            if (key.brokerSynonym() != null) {
                // Unset is valid where Kafka's property has no default: another one (log.retention.hours, ...) applies.
                ConfigDef.Validator validator = key.validator() == null || key.brokerDefault() != null
                        ? key.validator() : (name, value) -> {
                            if (value != null) {
                                key.validator().ensureValid(name, value);
                            }
                        };
                def.define(key.brokerSynonym(), key.type(), key.brokerDefault(), validator, Importance.MEDIUM,
                        "Default of the topic config " + key.name() + ".");
            }
        }
        return def;
    }

    /** One member of {@code controller.quorum.voters}: {@code id@host:port}. */
    public record Voter(int id, String host, int port) {
    }

    private static Set<String> processRoles(List<String> roles) {
        var parsed = new java.util.LinkedHashSet<String>();
        for (String role : roles) {
            String name = role.trim().toLowerCase(java.util.Locale.ROOT);
            if (!name.equals("broker") && !name.equals("controller")) {
                throw new ConfigException(PROCESS_ROLES, roles, "unknown role '" + role
                        + "': expected broker, controller or both");
            }
            parsed.add(name);
        }
        if (parsed.isEmpty()) {
            throw new ConfigException(PROCESS_ROLES, roles, "expected broker, controller or both");
        }
        return Set.copyOf(parsed);
    }

    private static List<Voter> voters(List<String> entries) {
        var voters = new ArrayList<Voter>();
        var ids = new java.util.HashSet<Integer>();
        for (String entry : entries) {
            String text = entry.trim();
            int at = text.indexOf('@');
            int colon = text.lastIndexOf(':');
            if (at <= 0 || colon <= at + 1) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, entries, "expected id@host:port entries, got '"
                        + entry + "'");
            }
            int id;
            int port;
            try {
                id = Integer.parseInt(text.substring(0, at));
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, entries, "expected id@host:port entries, got '"
                        + entry + "'");
            }
            if (port <= 0 || port > 65535) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, entries, "port of '" + entry
                        + "' must be in [1, 65535]");
            }
            if (!ids.add(id)) {
                throw new ConfigException(CONTROLLER_QUORUM_VOTERS, entries, "voter id " + id + " is listed twice");
            }
            String host = text.substring(at + 1, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            voters.add(new Voter(id, host, port));
        }
        return List.copyOf(voters);
    }

    private static Map<String, String> protocolMap(List<String> entries) {
        var map = new HashMap<String, String>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, entries, "expected NAME:PROTOCOL entries");
            }
            map.put(entry.substring(0, colon).trim().toUpperCase(java.util.Locale.ROOT),
                    entry.substring(colon + 1).trim().toUpperCase(java.util.Locale.ROOT));
        }
        return map;
    }

    /** A listener address, {@code NAME://host:port}. */
    public record Listener(String name, String host, int port) {
        static Listener parse(String property, String value) {
            String text = value.trim();
            int scheme = text.indexOf("://");
            if (scheme <= 0) {
                throw new ConfigException(property, value, "expected NAME://host:port");
            }
            String name = text.substring(0, scheme);
            String hostPort = text.substring(scheme + 3);
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw new ConfigException(property, value, "expected NAME://host:port");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(property, value, "the port is not a number");
            }
            if (port < 0 || port > 65535) {
                throw new ConfigException(property, value, "the port must be in [0, 65535]");
            }
            return new Listener(name, host.isEmpty() ? "0.0.0.0" : host, port);
        }
    }
}
