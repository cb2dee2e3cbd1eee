package io.tributary.broker.server;

import io.tributary.broker.api.BrokerApis;
import io.tributary.broker.api.ControllerChannel;
import io.tributary.broker.api.LocalNode;
import io.tributary.broker.api.TopicCreator;
import io.tributary.broker.group.CoordinatorTimer;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metadata.ClusterControl;
import io.tributary.broker.metadata.ClusterDefaults;
import io.tributary.broker.metadata.ConfigControl;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import io.tributary.broker.metadata.NewTopic;
import io.tributary.broker.metadata.TopicControl;
import io.tributary.broker.metadata.TopicResult;
import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.metrics.BrokerStatus;
import io.tributary.broker.metrics.LogDirStatus;
import io.tributary.broker.network.LinkFilter;
import io.tributary.broker.network.SocketServer;
import io.tributary.broker.replication.FetchPurgatory;
import io.tributary.broker.replication.ProducePurgatory;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.ProducerIdAllocator;
import io.tributary.broker.txn.TransactionCoordinator;
import io.tributary.broker.txn.TransactionMarkers;
import java.io.File;
import java.net.InetAddress;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Tributary broker node: {@code Broker.start(config)} brings it up, {@link #close()} shuts it down
 * cleanly (every log flushed, checkpoints and the clean-shutdown marker written).
 *
 * <pre>{@code
 * try (Broker broker = Broker.start(BrokerConfig.fromMap(Map.of(
 *         "log.dirs", "/var/lib/tributary", "listeners", "PLAINTEXT://127.0.0.1:0")))) {
 *     String bootstrapServers = broker.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Start order: log directories (lock, identity), metadata log replayed into the image (which opens and
 * recovers the partition logs), request threads, then the listener. Shutdown runs it backwards.
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final BrokerConfig config;
    private final BrokerSchedulers schedulers;
    private final LogManager logManager;
    private final Controller controller;
    private final FetchPurgatory fetchPurgatory;
    private final GroupCoordinator groupCoordinator;
    private final TransactionCoordinator transactionCoordinator;
    private final ThreadPoolExecutor requestExecutor;
    private final SocketServer socketServer;
    private final LocalNode node;
    private final ReplicaManager replicaManager;
    private final BrokerMetrics metrics;
    private final TopicCreator topicCreator;
    private final BrokerLifecycle lifecycle;
    /** Connections to the other brokers, and the replica fetchers; null on a single node. */
    private final InterBrokerLinks links;
    private final Object closeLock = new Object();
    private boolean closed;

    private Broker(BrokerConfig config, BrokerSchedulers schedulers, LogManager logManager,
                   Controller controller, FetchPurgatory fetchPurgatory, GroupCoordinator groupCoordinator,
                   ThreadPoolExecutor requestExecutor, SocketServer socketServer, LocalNode node,
                   ReplicaManager replicaManager, BrokerMetrics metrics, TopicCreator topicCreator,
                   BrokerLifecycle lifecycle, InterBrokerLinks links, TransactionCoordinator transactionCoordinator) {
        this.transactionCoordinator = transactionCoordinator;
        this.topicCreator = topicCreator;
        this.lifecycle = lifecycle;
        this.links = links;
        this.replicaManager = replicaManager;
        this.metrics = metrics;
        this.config = config;
        this.schedulers = schedulers;
        this.logManager = logManager;
        this.controller = controller;
        this.fetchPurgatory = fetchPurgatory;
        this.groupCoordinator = groupCoordinator;
        this.requestExecutor = requestExecutor;
        this.socketServer = socketServer;
        this.node = node;
    }

    /** Starts a node. Fails with a message naming the problem (bad directory, port in use, ...). */
    public static Broker start(BrokerConfig config) {
        return start(config, LinkFilter.ALLOW_ALL);
    }

    /**
     * Starts a node of an in-process cluster whose links to the other brokers go through {@code links} (tests cut
     * them there; see {@link LocalCluster}).
     */
    public static Broker start(BrokerConfig config, LinkFilter linkFilter) {
        if (!config.isBroker()) {
            throw new IllegalArgumentException("process.roles=" + String.join(",", config.processRoles())
                    + " has no broker role: start it with ControllerNode.start");
        }
        long startNanos = System.nanoTime();
        Time time = Time.SYSTEM;
        var schedulers = new BrokerSchedulers(config.backgroundThreads());
        LogManager logManager = null;
        Controller controller = null;
        GroupCoordinator groupCoordinator = null;
        ThreadPoolExecutor requestExecutor = null;
        BrokerLifecycle lifecycle = null;
        InterBrokerLinks links = null;
        try {
            String clusterId = NodeIdentity.loadOrCreate(config.logDirs(), config.nodeId(), config.clusterId(),
                    config.isClustered() ? MetadataQuorum.derivedClusterId(config) : null);
            logManager = new LogManager(config.logDirs(), time, schedulers.io(), config.cleanerConfig());
            ClusterDefaults defaults = clusterDefaults(config);
            var resolver = new ConfigResolver(defaults);
            var fetchPurgatory = new FetchPurgatory(schedulers.expiry());
            var metrics = new BrokerMetrics();
            // The replica manager opens the partitions while the metadata loads, before the controller channel and
            // this node's registration exist: its ISR changes reach them through these references.
            var channelRef = new AtomicReference<ControllerChannel>();
            var lifecycleRef = new AtomicReference<BrokerLifecycle>();
            var controllerRef = new AtomicReference<Controller>();
            var alterPartition = new AlterPartitionClient(config.nodeId(),
                    () -> lifecycleRef.get() == null ? -1 : lifecycleRef.get().brokerEpoch(), channelRef::get,
                    () -> controllerRef.get().image());
            var replicaManager = new ReplicaManager(config.nodeId(), logManager, fetchPurgatory,
                    new ProducePurgatory(schedulers.expiry()), time,
                    config.numRecoveryThreadsPerDataDir() * config.logDirs().size(), config.replicaLagTimeMaxMs(),
                    alterPartition);
            if (config.isClustered()) {
                links = new InterBrokerLinks(config,
                        () -> lifecycleRef.get() == null ? -1 : lifecycleRef.get().brokerEpoch(),
                        () -> controllerRef.get().image(), linkFilter);
                replicaManager.followerListener(links.fetchers());
            }
            var publisher = new BrokerMetadataPublisher(replicaManager, resolver);
            controller = new Controller(MetadataQuorum.open(config), publisher);
            controllerRef.set(controller);
            int self = config.nodeId();
            var channel = new ControllerChannel(controller, self,
                    node -> linkFilter.allows(self, node) && linkFilter.allows(node, self));
            channelRef.set(channel);
            var clusterControl = new ClusterControl(clusterId, config.brokerSessionTimeoutMs(), resolver, time);
            controller.load();
            // Opening the logs may have taken log directories offline; without any left the broker cannot serve.
            logManager.checkAnyDirOnline();
            lifecycle = new BrokerLifecycle(config.nodeId(), clusterId, channel, config.brokerHeartbeatIntervalMs());
            lifecycleRef.set(lifecycle);
            long isrCheckMs = Math.max(1, config.replicaLagTimeMaxMs() / 2);
            every(schedulers.coordinators(), isrCheckMs, replicaManager::maybeShrinkIsr);
            var producerIds = new ProducerIdAllocator(ControllerDuties.producerIdBlocks(channel, config.nodeId(),
                    lifecycle::brokerEpoch));
            requestExecutor = new ThreadPoolExecutor(config.numIoThreads(), config.numIoThreads(), 60, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), threads("tributary-request-handler"));
            var node = new LocalNode(config.nodeId(), clusterId);
            groupCoordinator = new GroupCoordinator(config.groupConfig(),
                    new OffsetsTopicLog(controller, replicaManager, time), timer(schedulers.coordinators()), time);
            groupCoordinator.startup();
            publisher.attach(groupCoordinator);
            // WriteTxnMarkers from the coordinators write here; this node's coordinator sends each marker to its
            // partition's leader, wherever it is.
            var markers = new TransactionMarkerWriter(replicaManager, groupCoordinator);
            TransactionMarkers coordinatorMarkers = links == null ? markers : new ClusterTxnMarkers(config.nodeId(),
                    markers, links.sender(controller::image), controller::image);
            var transactionCoordinator = new TransactionCoordinator(config.transactionConfig(),
                    new TransactionTopicLog(controller, replicaManager, time), coordinatorMarkers, producerIds, time);
            transactionCoordinator.loadHostedPartitions();
            scheduleTransactionTasks(schedulers, config, transactionCoordinator, replicaManager);
            short offsetsReplicationFactor = internalReplicationFactor(config,
                    BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR, config.offsetsTopicReplicationFactor());
            short transactionStateReplicationFactor = internalReplicationFactor(config,
                    BrokerConfig.TRANSACTION_STATE_LOG_REPLICATION_FACTOR,
                    config.transactionStateLogReplicationFactor());
            var topicControl = new TopicControl(defaults);
            var parts = new BrokerApis.Parts(node, controller, topicControl,
                    new ConfigControl(defaults), resolver, replicaManager, logManager, producerIds,
                    config.autoCreateTopicsEnable(), config.fetchMaxBytes(), 1000, Broker::brokerConfigType,
                    groupCoordinator, offsetsReplicationFactor, config.offsetsTopicSegmentBytes(),
                    transactionCoordinator, markers, transactionStateReplicationFactor,
                    config.transactionStateLogSegmentBytes(), metrics, channel, clusterControl,
                    links == null ? null : links.sender(controller::image), config.rackAwareReads());
            channel.controllerApis(BrokerApis.controllerRouter(parts));
            var router = BrokerApis.router(parts);
            if (config.isController()) {
                ControllerDuties.schedule(schedulers.coordinators(), schedulers.io(), controller, clusterControl,
                        config.brokerHeartbeatIntervalMs());
            }
            BrokerConfig.Listener listener = config.listener();
            SocketServer socketServer = SocketServer.start(new SocketServer.Settings(listener.host(), listener.port(),
                    config.numNetworkThreads(), config.socketRequestMaxBytes(), config.queuedMaxRequests(),
                    config.queuedMaxRequestBytes(), config.connectionsMaxIdleMs(), config.inlineApis()), router,
                    requestExecutor);
            InetSocketAddress bound = socketServer.boundAddress();
            BrokerConfig.Listener advertised = config.advertisedListener();
            node.advertise(advertised != null ? advertised.host() : advertisedHost(listener.host()),
                    advertised != null && advertised.port() != 0 ? advertised.port() : bound.getPort());
            var endpoints = List.of(new BrokerEndpoint(listener.name(), node.endpoint().host(),
                    node.endpoint().port()));
            if (config.isClustered()) {
                lifecycle.start(endpoints, config.brokerRack(),
                        java.time.Duration.ofMillis(config.initialBrokerRegistrationTimeoutMs()));
            } else {
                lifecycle.startLocally(controller, clusterControl, endpoints, config.brokerRack());
            }
            logManager.startBackgroundTasks(config.logRetentionCheckIntervalMs(), config.logFlushSchedulerIntervalMs(),
                    config.logFlushOffsetCheckpointIntervalMs());
            var broker = new Broker(config, schedulers, logManager, controller, fetchPurgatory, groupCoordinator,
                    requestExecutor, socketServer, node, replicaManager, metrics, new TopicCreator(channel), lifecycle,
                    links, transactionCoordinator);
            log.info("Tributary broker {} started in {} ms, listening on {}:{} (cluster {}, log.dirs {})",
                    config.nodeId(), (System.nanoTime() - startNanos) / 1_000_000, node.endpoint().host(),
                    node.endpoint().port(), clusterId, config.logDirs());
            return broker;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (lifecycle != null) {
                lifecycle.close();
            }
            if (links != null) {
                links.close();
            }
            cleanUp(requestExecutor, controller, logManager, schedulers);
            throw new IllegalStateException("Interrupted while starting the broker", e);
        } catch (RuntimeException e) {
            if (lifecycle != null) {
                lifecycle.close();
            }
            if (links != null) {
                links.close();
            }
            if (groupCoordinator != null) {
                groupCoordinator.shutdown();
            }
            cleanUp(requestExecutor, controller, logManager, schedulers);
            throw e;
        }
    }

    private static void cleanUp(ThreadPoolExecutor requestExecutor, Controller controller, LogManager logManager,
                                BrokerSchedulers schedulers) {
        if (requestExecutor != null) {
            requestExecutor.shutdownNow();
        }
        if (controller != null) {
            controller.close();
        }
        if (logManager != null) {
            logManager.close();
        }
        schedulers.close();
    }

    /**
     * The replication factor of an internal topic: the configured one when set explicitly (creating the topic then
     * fails, as in Kafka, while fewer brokers are alive), else as many replicas as the cluster has voters, up to 3.
     */
    private static short internalReplicationFactor(BrokerConfig config, String name, short configured) {
        if (config.originals().containsKey(name)) {
            return configured;
        }
        return (short) Math.min(3, Math.max(1, config.voters().size()));
    }

    private static String advertisedHost(String bindHost) {
        if (!bindHost.equals("0.0.0.0") && !bindHost.equals("::")) {
            return bindHost;
        }
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    private static ConfigDef.Type brokerConfigType(String name) {
        ConfigDef.ConfigKey key = BrokerConfig.definition().configKeys().get(name);
        return key == null ? null : key.type;
    }

    static ClusterDefaults clusterDefaults(BrokerConfig config) {
        var rendered = new HashMap<String, String>();
        var renderedDefaults = new HashMap<String, String>();
        Map<String, Object> kafkaDefaults = BrokerConfig.definition().defaultValues();
        for (String name : BrokerConfig.names()) {
            rendered.put(name, render(config.value(name)));
            renderedDefaults.put(name, render(kafkaDefaults.get(name)));
        }
        return new ClusterDefaults(config.nodeId(), config.numPartitions(), config.defaultReplicationFactor(),
                config.deleteTopicEnable(), List.of(config.nodeId()), config.topicDefaults(), rendered,
                config.originals().keySet(), renderedDefaults);
    }

    private static String render(Object value) {
        return value == null ? null : value instanceof List<?> list
                ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(value);
    }

    /**
     * The periodic transaction work: aborting transactions open past their timeout and forgetting expired
     * transactional ids (coordinator timers), and expiring idle producers' state in the partitions (log
     * maintenance, on the I/O threads as in Kafka).
     */
    private static void scheduleTransactionTasks(BrokerSchedulers schedulers, BrokerConfig config,
                                                 TransactionCoordinator transactions, ReplicaManager replicaManager) {
        var txnConfig = config.transactionConfig();
        every(schedulers.coordinators(), txnConfig.abortTimedOutCheckIntervalMs(),
                transactions::abortTimedOutTransactions);
        every(schedulers.coordinators(), txnConfig.removeExpiredCheckIntervalMs(),
                transactions::expireTransactionalIds);
        every(schedulers.io(), config.producerIdExpirationCheckIntervalMs(),
                () -> replicaManager.expireProducers(config.producerIdExpirationMs()));
    }

    private static void every(ScheduledExecutorService scheduler, long intervalMs, Runnable task) {
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("A periodic task failed", e);
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** The group coordinator's deadlines run on the coordinators' timer thread. */
    private static CoordinatorTimer timer(ScheduledExecutorService scheduler) {
        return (delayMs, task) -> {
            ScheduledFuture<?> scheduled = scheduler.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("A group coordinator timer failed", e);
                }
            }, delayMs, TimeUnit.MILLISECONDS);
            return () -> scheduled.cancel(false);
        };
    }

    private static ThreadFactory threads(String prefix) {
        var counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The listener, for tests of its accounting. */
    SocketServer socketServer() {
        return socketServer;
    }

    /** Test hook: runs on an I/O thread before each I/O task (flush, retention, ...), e.g. to stall the disk. */
    void beforeEachIoTask(Runnable hook) {
        schedulers.beforeEachIoTask(hook);
    }

    /** Test fault: every write to this node's logs waits {@code perWrite} first (zero: the disk is fast again). */
    void slowDisk(Duration perWrite) {
        logManager.failures().delayWrites(perWrite);
    }

    /** The address clients should bootstrap from, {@code host:port}. */
    public String bootstrapServers() {
        return node.endpoint().host() + ":" + node.endpoint().port();
    }

    /** The port the listener is bound to (useful with port 0). */
    public int port() {
        return socketServer.boundAddress().getPort();
    }

    public int nodeId() {
        return config.nodeId();
    }

    public String clusterId() {
        return node.clusterId();
    }

    public BrokerConfig config() {
        return config;
    }

    /**
     * Creates the topics that do not exist yet and adds partitions to existing ones that have fewer than declared,
     * in-process, through the controller (what CreateTopics and CreatePartitions do, without a client). Other
     * existing topics are left as they are. Returns the names of the topics created or grown; fails with the
     * broker's message (invalid name, partitions or config) naming the topic.
     */
    public List<String> declareTopics(List<TopicSpec> topics) {
        var changed = new java.util.ArrayList<String>();
        var missing = new java.util.ArrayList<NewTopic>();
        for (TopicSpec topic : topics) {
            var existing = controller.image().topic(topic.name());
            if (existing == null) {
                missing.add(new NewTopic(topic.name(), topic.partitions(), topic.replicationFactor(), Map.of(),
                        topic.configs()));
            } else if (topic.partitions() > existing.partitionCount()) {
                ApiError grown = await(topicCreator.growPartitions(topic.name(), topic.partitions()), topic.name());
                if (grown.isFailure()) {
                    throw new IllegalArgumentException("Topic '" + topic.name() + "': " + grown.messageWithFallback());
                }
                changed.add(topic.name());
            }
        }
        if (!missing.isEmpty()) {
            for (TopicResult result : await(topicCreator.create(missing), missing.get(0).name())) {
                if (result.error().error() == Errors.TOPIC_ALREADY_EXISTS) {
                    continue;
                }
                if (result.error().isFailure()) {
                    throw new IllegalArgumentException("Topic '" + result.name() + "': "
                            + result.error().messageWithFallback());
                }
                changed.add(result.name());
            }
        }
        return changed;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> write, String topic) {
        try {
            return write.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while declaring topic '" + topic + "'", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Could not declare topic '" + topic + "': " + e, e);
        }
    }

    /** The cluster metadata as this node has applied it. */
    public MetadataImage metadataImage() {
        return controller.image();
    }

    /** Whether this node is the active controller (the controller quorum's leader) now. */
    public boolean isActiveController() {
        return controller.isActive();
    }

    /** The active controller's node id as this node knows it, or -1 during an election. */
    public int activeControllerId() {
        return controller.activeControllerId();
    }

    /** The log end of this node's replica of a partition, or -1 when it hosts none. */
    public long logEndOffset(String topic, int partition) {
        var hosted = replicaManager.partition(new org.apache.kafka.common.TopicPartition(topic, partition));
        return hosted == null ? -1 : hosted.logEndOffset();
    }

    /** The node's live counters: bytes and records produced, bytes fetched, requests per API. */
    public BrokerMetrics metrics() {
        return metrics;
    }

    /** The node's state now: partitions (offline, under-replicated), log size, each log directory's space. */
    public BrokerStatus status() {
        boolean running;
        synchronized (closeLock) {
            running = !closed;
        }
        ReplicaManager.PartitionSummary partitions = replicaManager.summary();
        List<LogDirStatus> dirs = config.logDirs().stream()
                .map(dir -> logDirStatus(dir, logManager.isLogDirOnline(dir))).toList();
        return new BrokerStatus(running, partitions.partitions(), partitions.offline(), partitions.underReplicated(),
                partitions.logSizeBytes(), dirs);
    }

    /** {@code usable}: false once an I/O error took the directory offline (see LogDirFailures). */
    private static LogDirStatus logDirStatus(Path dir, boolean usable) {
        File file = dir.toFile();
        boolean online = usable && file.isDirectory() && file.canWrite();
        return new LogDirStatus(dir.toString(), file.getUsableSpace(), file.getTotalSpace(), online);
    }

    /**
     * Stops serving and closes every log cleanly: the listener first (no new requests), then parked fetches and
     * request threads drain, then the controller and the logs (flush, checkpoints, clean-shutdown marker).
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long startNanos = System.nanoTime();
        controlledShutdown();
        socketServer.stopAccepting();
        fetchPurgatory.completeAll();
        replicaManager.shutdown();
        groupCoordinator.shutdown();
        transactionCoordinator.shutdown();
        requestExecutor.shutdown();
        try {
            if (!requestExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                requestExecutor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socketServer.close();
        lifecycle.close();
        if (links != null) {
            links.close();
        }
        controller.close();
        logManager.close();
        schedulers.close();
        log.info("Tributary broker {} stopped cleanly in {} ms", config.nodeId(),
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    /**
     * Asks the active controller to fence this node and move its leaderships away, and waits until it did (or no
     * controller answered in time): the first step of {@link #close()}, which a cluster stopping all its nodes runs
     * on every node first, while the controller quorum still has its majority.
     */
    public void controlledShutdown() {
        lifecycle.shutDown(java.time.Duration.ofMillis(Math.max(2 * config.brokerSessionTimeoutMs(), 5_000)));
    }

    /**
     * Stops the node as a crash would (for in-process clusters that kill a node): no controlled shutdown, so the
     * controller fences it only when its session expires, and no checkpoints or clean-shutdown marker, so the next
     * start recovers its logs.
     */
    public void halt() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        lifecycle.close();
        socketServer.stopAccepting();
        socketServer.close();
        requestExecutor.shutdownNow();
        fetchPurgatory.completeAll();
        replicaManager.shutdown();
        groupCoordinator.shutdown();
        transactionCoordinator.shutdown();
        if (links != null) {
            links.close();
        }
        controller.close();
        logManager.halt();
        schedulers.close();
        log.info("Tributary broker {} halted", config.nodeId());
    }
}
