package io.tributary.broker.api;

import io.tributary.broker.metrics.BrokerMetrics;
import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.log.LogManager;
import io.tributary.broker.metadata.ClusterControl;
import io.tributary.broker.metadata.ConfigControl;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.Controller;
import io.tributary.broker.metadata.TopicControl;
import io.tributary.broker.replication.InterBrokerSender;
import io.tributary.broker.replication.ReplicaManager;
import io.tributary.broker.txn.ProducerIdAllocator;
import io.tributary.broker.txn.TransactionCoordinator;
import io.tributary.broker.txn.TransactionMarkers;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Builds the broker's {@link ApiRouter}: one line per served API. The versions are the full range kafka-clients
 * decodes unless a line says otherwise, and that range is exactly what ApiVersions advertises.
 */
public final class BrokerApis {
    private BrokerApis() {
    }

    /** The parts of the broker that handlers use. */
    public record Parts(LocalNode node, Controller controller, TopicControl topicControl, ConfigControl configControl,
                        ConfigResolver configResolver, ReplicaManager replicaManager, LogManager logManager,
                        ProducerIdAllocator producerIds, boolean autoCreateTopicsEnable, int fetchMaxBytes,
                        int maxFetchSessions, Function<String, ConfigDef.Type> brokerConfigType,
                        GroupCoordinator groupCoordinator, short offsetsTopicReplicationFactor,
                        int offsetsTopicSegmentBytes, TransactionCoordinator transactionCoordinator,
                        TransactionMarkers transactionMarkers, short transactionStateReplicationFactor,
                        int transactionStateSegmentBytes, BrokerMetrics metrics, ControllerChannel controllerChannel,
                        ClusterControl clusterControl, InterBrokerSender interBrokerSender, boolean rackAwareReads) {
    }

    /**
     * The APIs this node serves as the active controller, for requests the {@link ControllerChannel} runs here:
     * those brokers send the controller, and the admin requests that change metadata.
     */
    public static ApiRouter controllerRouter(Parts parts) {
        return controllerRouter(parts.controller(), parts.clusterControl(), parts.topicControl(),
                parts.configControl(), parts.configResolver(), parts.metrics());
    }

    /** {@link #controllerRouter(Parts)} from only what it needs (a node that is only a controller has no more). */
    public static ApiRouter controllerRouter(Controller controller, ClusterControl clusterControl,
                                             TopicControl topicControl, ConfigControl configControl,
                                             ConfigResolver configResolver, BrokerMetrics metrics) {
        var handlers = new ControllerApiHandlers(controller, clusterControl);
        var alterConfigs = new AlterConfigsHandlers(controller, configControl);
        return new ApiRouter(metrics)
                .register(ApiKeys.BROKER_REGISTRATION, handlers.registration())
                .register(ApiKeys.BROKER_HEARTBEAT, handlers.heartbeat())
                .register(ApiKeys.ALTER_PARTITION, handlers.alterPartition())
                .register(ApiKeys.ALLOCATE_PRODUCER_IDS, handlers.allocateProducerIds())
                .register(ApiKeys.DESCRIBE_QUORUM, new DescribeQuorumHandler(controller))
                .register(ApiKeys.CREATE_TOPICS, new CreateTopicsHandler(controller, topicControl, configResolver))
                .register(ApiKeys.DELETE_TOPICS, new DeleteTopicsHandler(controller, topicControl))
                .register(ApiKeys.CREATE_PARTITIONS, new CreatePartitionsHandler(controller, topicControl))
                .register(ApiKeys.ELECT_LEADERS, new ElectLeadersHandler(controller, topicControl))
                .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, alterConfigs.incremental())
                .register(ApiKeys.ALTER_CONFIGS, alterConfigs.legacy());
    }

    private static CreateTopicsHandler createTopics(Parts parts) {
        return new CreateTopicsHandler(parts.controller(), parts.topicControl(), parts.configResolver());
    }

    public static ApiRouter router(Parts parts) {
        var router = new ApiRouter(parts.metrics());
        var alterConfigs = new AlterConfigsHandlers(parts.controller(), parts.configControl());
        ControllerChannel channel = parts.controllerChannel();
        var topicCreator = new TopicCreator(channel);
        GroupCoordinator groups = parts.groupCoordinator();
        TransactionCoordinator transactions = parts.transactionCoordinator();
        var offsetsTopic = new FindCoordinatorHandler.InternalTopic(Topic.GROUP_METADATA_TOPIC_NAME,
                groups.config().offsetsTopicNumPartitions(), parts.offsetsTopicReplicationFactor(),
                parts.offsetsTopicSegmentBytes(), "producer", groups::partitionFor, groups::loadHostedPartitions);
        var transactionStateTopic = new FindCoordinatorHandler.InternalTopic(Topic.TRANSACTION_STATE_TOPIC_NAME,
                transactions.config().stateLogNumPartitions(), parts.transactionStateReplicationFactor(),
                parts.transactionStateSegmentBytes(), "producer", transactions::partitionFor,
                transactions::loadHostedPartitions);
        router.register(ApiKeys.API_VERSIONS, new ApiVersionsHandler(router))
                .register(ApiKeys.METADATA, new MetadataHandler(parts.controller(), topicCreator, parts.node(),
                        parts.replicaManager(), parts.autoCreateTopicsEnable(), List.of(offsetsTopic,
                        transactionStateTopic)))
                .register(ApiKeys.PRODUCE, new ProduceHandler(parts.controller(), parts.replicaManager(),
                        new TxnVerification(parts.node().nodeId(), transactions, parts.controller()::image,
                                parts.interBrokerSender()), parts.metrics()))
                .register(ApiKeys.FETCH, new FetchHandler(parts.controller(), parts.replicaManager(),
                        new FetchSessions(parts.maxFetchSessions()), parts.fetchMaxBytes(), parts.metrics(),
                        parts.rackAwareReads() ? new ReadReplicaSelector(parts.node().nodeId()) : null))
                .register(ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(parts.replicaManager()))
                .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetForLeaderEpochHandler(parts.replicaManager()))
                .register(ApiKeys.CREATE_TOPICS, channel.forwarding(createTopics(parts)))
                .register(ApiKeys.DELETE_TOPICS, channel.forwarding(new DeleteTopicsHandler(parts.controller(),
                        parts.topicControl())))
                .register(ApiKeys.CREATE_PARTITIONS, channel.forwarding(new CreatePartitionsHandler(
                        parts.controller(), parts.topicControl())))
                .register(ApiKeys.ELECT_LEADERS, channel.forwarding(new ElectLeadersHandler(parts.controller(),
                        parts.topicControl())))
                .register(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsHandler(parts.controller(),
                        parts.configResolver(), parts.node().nodeId(), parts.brokerConfigType()))
                .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, channel.forwarding(alterConfigs.incremental()))
                .register(ApiKeys.ALTER_CONFIGS, channel.forwarding(alterConfigs.legacy()))
                .register(ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterHandler(parts.node(), parts.controller()))
                .register(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, new DescribeTopicPartitionsHandler(parts.controller(),
                        parts.node(), parts.replicaManager()))
                .register(ApiKeys.DESCRIBE_QUORUM, channel.forwarding(new DescribeQuorumHandler(parts.controller())))
                .register(ApiKeys.DELETE_RECORDS, new DeleteRecordsHandler(parts.replicaManager()))
                .register(ApiKeys.DESCRIBE_LOG_DIRS, new DescribeLogDirsHandler(parts.logManager()))
                .register(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdHandler(parts.producerIds(), transactions))
                .register(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(parts.controller(),
                        topicCreator, parts.node(), offsetsTopic, transactionStateTopic))
                .register(ApiKeys.JOIN_GROUP, new JoinGroupHandler(groups))
                .register(ApiKeys.SYNC_GROUP, new SyncGroupHandler(groups))
                .register(ApiKeys.HEARTBEAT, new HeartbeatHandler(groups))
                .register(ApiKeys.LEAVE_GROUP, new LeaveGroupHandler(groups))
                .register(ApiKeys.OFFSET_COMMIT, new OffsetCommitHandler(parts.controller(), groups))
                .register(ApiKeys.OFFSET_FETCH, new OffsetFetchHandler(parts.controller(), groups))
                .register(ApiKeys.OFFSET_DELETE, new OffsetDeleteHandler(parts.controller(), groups))
                .register(ApiKeys.LIST_GROUPS, new ListGroupsHandler(groups))
                .register(ApiKeys.DESCRIBE_GROUPS, new DescribeGroupsHandler(groups))
                .register(ApiKeys.DELETE_GROUPS, new DeleteGroupsHandler(groups))
                .register(ApiKeys.ADD_PARTITIONS_TO_TXN, new AddPartitionsToTxnHandler(parts.controller(), transactions))
                .register(ApiKeys.ADD_OFFSETS_TO_TXN, new AddOffsetsToTxnHandler(transactions, groups))
                .register(ApiKeys.END_TXN, new EndTxnHandler(transactions))
                .register(ApiKeys.WRITE_TXN_MARKERS, new WriteTxnMarkersHandler(parts.transactionMarkers()))
                .register(ApiKeys.DESCRIBE_TRANSACTIONS, new DescribeTransactionsHandler(transactions))
                .register(ApiKeys.LIST_TRANSACTIONS, new ListTransactionsHandler(transactions))
                .register(ApiKeys.DESCRIBE_PRODUCERS, new DescribeProducersHandler(parts.replicaManager()))
                .register(ApiKeys.TXN_OFFSET_COMMIT, new TxnOffsetCommitHandler(parts.controller(), groups))
                .register(ApiKeys.DESCRIBE_ACLS, new SecurityDisabledHandler())
                .register(ApiKeys.CREATE_ACLS, new SecurityDisabledHandler())
                .register(ApiKeys.DELETE_ACLS, new SecurityDisabledHandler())
                .register(ApiKeys.SASL_HANDSHAKE, new PlaintextSaslHandler())
                .register(ApiKeys.SASL_AUTHENTICATE, new PlaintextSaslHandler());
        return router;
    }
}
