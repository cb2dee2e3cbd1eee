package io.tributary.broker.server;

import io.tributary.broker.api.BrokerApis;
import io.tributary.broker.api.ControllerChannel;
import io.tributary.broker.metadata.ClusterControl;
import io.tributary.broker.metadata.ClusterDefaults;
import io.tributary.broker.metadata.ConfigControl;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicControl;
import io.tributary.broker.metrics.BrokerMetrics;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node that is only a controller ({@code process.roles=controller}): a voter of the controller quorum that, while
 * it leads it, is the active controller (broker registrations and heartbeats, fencing, leader elections, topic and
 * config changes forwarded by the brokers). It holds no partitions and serves no clients; brokers reach it through
 * the quorum's own transport.
 */
public final class ControllerNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerNode.class);

    private final BrokerConfig config;
    private final BrokerSchedulers schedulers;
    private final Controller controller;
    private final Object closeLock = new Object();
    private boolean closed;

    private ControllerNode(BrokerConfig config, BrokerSchedulers schedulers, Controller controller) {
        this.config = config;
        this.schedulers = schedulers;
        this.controller = controller;
    }

    /** Starts the node; returns once it caught up with the metadata log. */
    public static ControllerNode start(BrokerConfig config) {
        if (config.isBroker() || !config.isController()) {
            throw new IllegalArgumentException("process.roles is " + config.processRoles() + ", not controller");
        }
        long startNanos = System.nanoTime();
        var schedulers = new BrokerSchedulers(config.backgroundThreads());
        Controller controller = null;
        try {
            String clusterId = NodeIdentity.loadOrCreate(config.logDirs(), config.nodeId(), config.clusterId(),
                    MetadataQuorum.derivedClusterId(config));
            ClusterDefaults defaults = Broker.clusterDefaults(config);
            var resolver = new ConfigResolver(defaults);
            controller = new Controller(MetadataQuorum.open(config), image -> { });
            var channel = new ControllerChannel(controller, config.nodeId(), node -> true);
            var clusterControl = new ClusterControl(clusterId, config.brokerSessionTimeoutMs(), resolver,
                    Time.SYSTEM);
            controller.load();
            channel.controllerApis(BrokerApis.controllerRouter(controller, clusterControl, new TopicControl(defaults),
                    new ConfigControl(defaults), resolver, new BrokerMetrics()));
            ControllerDuties.schedule(schedulers.coordinators(), schedulers.io(), controller, clusterControl,
                    config.brokerHeartbeatIntervalMs());
            log.info("Tributary controller {} started in {} ms, quorum listener {} (cluster {})", config.nodeId(),
                    (System.nanoTime() - startNanos) / 1_000_000, config.controllerListener(), clusterId);
            return new ControllerNode(config, schedulers, controller);
        } catch (RuntimeException e) {
            if (controller != null) {
                controller.close();
            }
            schedulers.close();
            throw e;
        }
    }

    public int nodeId() {
        return config.nodeId();
    }

    /** Whether this node is the active controller (the quorum's leader) now. */
    public boolean isActiveController() {
        return controller.isActive();
    }

    /** The cluster metadata as this node has applied it. */
    public MetadataImage metadataImage() {
        return controller.image();
    }

    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        controller.close();
        schedulers.close();
        log.info("Tributary controller {} stopped", config.nodeId());
    }
}
