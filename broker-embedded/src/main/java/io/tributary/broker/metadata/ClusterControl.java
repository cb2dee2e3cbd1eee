package io.tributary.broker.metadata;

import io.tributary.broker.log.LogConfig;
import io.tributary.broker.metadata.MetadataRecord.BrokerEndpoint;
import io.tributary.broker.metadata.MetadataRecord.BrokerFenceRecord;
import io.tributary.broker.metadata.MetadataRecord.PartitionRecord;
import io.tributary.broker.metadata.MetadataRecord.RegisterBrokerRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's side of broker membership and ISR changes, as Kafka's {@code ClusterControlManager} and
 * {@code ReplicationControlManager} do them:
 *
 * <ul>
 *   <li><b>Registration</b> (BrokerRegistration): each start of a broker registers a new incarnation and gets a new
 *       broker epoch; it starts fenced. A registration whose incarnation is already registered is a retry and gets
 *       the same epoch; one with another incarnation while the registered one still heartbeats is a second node
 *       with the same {@code node.id} (DUPLICATE_BROKER_REGISTRATION). A re-registration moves leadership away
 *       from the old incarnation, whose unflushed data may be gone.</li>
 *   <li><b>Heartbeats</b> (BrokerHeartbeat): keep a broker's session; the first heartbeat of a registration
 *       unfences it (it then leads the leaderless partitions whose ISR holds it); a broker that asks to shut down
 *       is fenced at once (controlled shutdown); a broker whose session ({@code broker.session.timeout.ms}) runs
 *       out is fenced by {@link #fenceExpired}, which moves its leaderships and ISR memberships away.</li>
 *   <li><b>AlterPartition</b>: a leader's ISR change, applied only when it names the current leader epoch and
 *       partition epoch and every new member is a live replica.</li>
 * </ul>
 *
 * <p>Session times are kept in memory by the active controller only; a controller that takes over gives every
 * broker a full session from then ({@link #resetSessions}). Runs on the controller's thread, except the read-only
 * {@link #lateBrokers}.
 *
 * <p>Beyond Kafka: a broker whose heartbeat is late and whose registered endpoint refuses connections (its process is
 * gone: the port is closed) need not be waited for until its session expires; {@link #fenceGone} fences it then,
 * which cuts the failover after a crashed node from the session timeout to about one heartbeat interval. A broker
 * that is only unreachable (a network cut, a paused process) still keeps its full session.
 */
public final class ClusterControl {
    private static final Logger log = LoggerFactory.getLogger(ClusterControl.class);

    private final String clusterId;
    private final long sessionTimeoutMs;
    private final ConfigResolver configs;
    private final Time time;
    private final Map<Integer, Long> lastHeartbeatMs = new ConcurrentHashMap<>();
    /** The registration (broker epoch) of each broker fenced because its process was found gone. */
    private final Map<Integer, Long> goneEpochs = new ConcurrentHashMap<>();
    /** Until when no session expires: the grace a newly active controller gives every broker. */
    private volatile long graceUntilMs;

    public ClusterControl(String clusterId, long sessionTimeoutMs, ConfigResolver configs, Time time) {
        this.clusterId = clusterId;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.configs = configs;
        this.time = time;
    }

    /**
     * A new active controller gives every registered broker a session of twice the timeout from now: the brokers
     * first have to find it (their requests went to the old one), and fencing them all for that would leave every
     * partition without a leader.
     */
    public void resetSessions(MetadataImage image) {
        long now = time.milliseconds();
        graceUntilMs = now + sessionTimeoutMs;
        lastHeartbeatMs.clear();
        image.brokers().keySet().forEach(id -> lastHeartbeatMs.put(id, now));
    }

    public ControllerResult<BrokerRegistrationResponseData> register(MetadataImage image,
                                                                     BrokerRegistrationRequestData request) {
        int brokerId = request.brokerId();
        var response = new BrokerRegistrationResponseData();
        if (request.clusterId() != null && !request.clusterId().equals(clusterId)) {
            return ControllerResult.of(response.setErrorCode(Errors.INCONSISTENT_CLUSTER_ID.code()));
        }
        BrokerRegistration existing = image.broker(brokerId);
        long now = time.milliseconds();
        if (existing != null && existing.incarnationId().equals(request.incarnationId())) {
            lastHeartbeatMs.put(brokerId, now);
            return ControllerResult.of(response.setBrokerEpoch(existing.epoch()));
        }
        if (existing != null && !existing.fenced() && now - lastHeartbeatMs.getOrDefault(brokerId, 0L)
                < sessionTimeoutMs && request.previousBrokerEpoch() != existing.epoch()) {
            log.warn("Refused a registration of node {} ({}): node {} is registered and alive (incarnation {}); "
                    + "is node.id set twice?", brokerId, request.incarnationId(), brokerId, existing.incarnationId());
            return ControllerResult.of(response.setErrorCode(Errors.DUPLICATE_BROKER_REGISTRATION.code()));
        }
        long epoch = nextBrokerEpoch(image);
        var endpoints = new ArrayList<BrokerEndpoint>();
        request.listeners().forEach(listener -> endpoints.add(new BrokerEndpoint(listener.name(), listener.host(),
                listener.port())));
        var records = new ArrayList<MetadataRecord>();
        records.add(new RegisterBrokerRecord(brokerId, request.incarnationId(), epoch, endpoints, request.rack(),
                true));
        if (existing != null) {
            // The previous incarnation's replicas may have lost unflushed records: it leads nothing any more.
            Set<Integer> live = liveBrokers(image);
            live.remove(brokerId);
            records.addAll(PartitionChanges.electAfterBrokerChange(image, live, uncleanAllowed(image)));
        }
        lastHeartbeatMs.put(brokerId, now);
        log.info("Registered node {} at epoch {} ({})", brokerId, epoch, endpoints);
        return new ControllerResult<>(records, response.setBrokerEpoch(epoch));
    }

    /**
     * A single node's registration with its own controller: registered unfenced at once, since there is no other
     * copy of the metadata to catch up with, leading the partitions left leaderless by its last controlled shutdown.
     * The same records as {@link #register} and the first heartbeat, in one append and without a request.
     * Completes with the broker epoch.
     */
    public ControllerResult<Long> registerSingleNode(MetadataImage image, int brokerId, Uuid incarnationId,
                                                     List<BrokerEndpoint> endpoints, String rack) {
        long epoch = nextBrokerEpoch(image);
        var records = new ArrayList<MetadataRecord>();
        records.add(new RegisterBrokerRecord(brokerId, incarnationId, epoch, endpoints, rack, false));
        Set<Integer> live = liveBrokers(image);
        live.add(brokerId);
        records.addAll(PartitionChanges.electAfterBrokerChange(image, live, uncleanAllowed(image)));
        lastHeartbeatMs.put(brokerId, time.milliseconds());
        return new ControllerResult<>(records, epoch);
    }

    /** A broker epoch above every registered one: each registration gets its own. */
    private static long nextBrokerEpoch(MetadataImage image) {
        long epoch = 1;
        for (BrokerRegistration broker : image.brokers().values()) {
            epoch = Math.max(epoch, broker.epoch() + 1);
        }
        return epoch;
    }

    public ControllerResult<BrokerHeartbeatResponseData> heartbeat(MetadataImage image,
                                                                   BrokerHeartbeatRequestData request) {
        int brokerId = request.brokerId();
        BrokerRegistration broker = image.broker(brokerId);
        var response = new BrokerHeartbeatResponseData().setIsCaughtUp(true);
        if (broker == null || broker.epoch() != request.brokerEpoch()) {
            return ControllerResult.of(response.setErrorCode(Errors.STALE_BROKER_EPOCH.code()).setIsFenced(true));
        }
        lastHeartbeatMs.put(brokerId, time.milliseconds());
        boolean fence = request.wantFence() || request.wantShutDown();
        if (!fence && broker.fenced() && Long.valueOf(broker.epoch()).equals(goneEpochs.get(brokerId))) {
            // Fenced because its process was found gone: a heartbeat of that registration is one sent before the
            // crash and delivered late. A restarted process registers anew.
            return ControllerResult.of(response.setIsFenced(true));
        }
        if (fence == broker.fenced()) {
            return ControllerResult.of(response.setIsFenced(broker.fenced()).setShouldShutDown(request.wantShutDown()));
        }
        var records = new ArrayList<MetadataRecord>();
        records.add(new BrokerFenceRecord(brokerId, broker.epoch(), fence));
        Set<Integer> live = liveBrokers(image);
        if (fence) {
            live.remove(brokerId);
        } else {
            live.add(brokerId);
        }
        records.addAll(PartitionChanges.electAfterBrokerChange(image, live, uncleanAllowed(image)));
        log.info("Node {} is {}", brokerId, fence ? (request.wantShutDown() ? "shutting down" : "fenced")
                : "unfenced");
        return new ControllerResult<>(records, response.setIsFenced(fence).setShouldShutDown(request.wantShutDown()));
    }

    /** Fences the unfenced brokers whose session expired, moving their leaderships and ISR memberships away. */
    public ControllerResult<List<Integer>> fenceExpired(MetadataImage image) {
        long now = time.milliseconds();
        var expired = new ArrayList<Integer>();
        for (int id : liveBrokers(image)) {
            long last = Math.max(lastHeartbeatMs.computeIfAbsent(id, key -> now), graceUntilMs);
            if (now - last >= sessionTimeoutMs) {
                expired.add(id);
            }
        }
        return fence(image, expired, "no heartbeat for {} ms (broker.session.timeout.ms=" + sessionTimeoutMs + ")");
    }

    /**
     * The unfenced brokers whose last heartbeat is at least {@code lateMs} old: candidates for {@link #fenceGone}
     * once their endpoint is found closed. Only reads, so any thread may ask.
     */
    public List<BrokerRegistration> lateBrokers(MetadataImage image, long lateMs) {
        long now = time.milliseconds();
        var late = new ArrayList<BrokerRegistration>();
        for (int id : image.unfencedBrokerIds()) {
            Long last = lastHeartbeatMs.get(id);
            if (last != null && now - last >= lateMs) {
                late.add(image.broker(id));
            }
        }
        return late;
    }

    /**
     * Fences the brokers found gone (their endpoints refused connections) if they are still the same registration,
     * still unfenced, and still without a heartbeat for {@code lateMs}: a heartbeat or a new registration since the
     * probe means the node is back.
     */
    public ControllerResult<List<Integer>> fenceGone(MetadataImage image, List<BrokerRegistration> gone,
                                                     long lateMs) {
        long now = time.milliseconds();
        var fence = new ArrayList<Integer>();
        for (BrokerRegistration probed : gone) {
            BrokerRegistration current = image.broker(probed.id());
            Long last = lastHeartbeatMs.get(probed.id());
            if (current != null && !current.fenced() && current.epoch() == probed.epoch() && last != null
                    && now - last >= lateMs) {
                fence.add(probed.id());
                goneEpochs.put(probed.id(), probed.epoch());
            }
        }
        return fence(image, fence, "no heartbeat for {} ms and its endpoint refuses connections");
    }

    private ControllerResult<List<Integer>> fence(MetadataImage image, List<Integer> ids, String reason) {
        if (ids.isEmpty()) {
            return ControllerResult.of(ids);
        }
        long now = time.milliseconds();
        Set<Integer> live = liveBrokers(image);
        var records = new ArrayList<MetadataRecord>();
        for (int id : ids) {
            live.remove(id);
            records.add(new BrokerFenceRecord(id, image.broker(id).epoch(), true));
            log.warn("Fencing node {}: " + reason, id, now - lastHeartbeatMs.getOrDefault(id, now));
        }
        records.addAll(PartitionChanges.electAfterBrokerChange(image, live, uncleanAllowed(image)));
        return new ControllerResult<>(records, ids);
    }

    /** Applies each partition's ISR change the request may make; answers per partition. */
    public ControllerResult<AlterPartitionResponseData> alterPartition(MetadataImage image,
                                                                       AlterPartitionRequestData request) {
        var response = new AlterPartitionResponseData();
        BrokerRegistration sender = image.broker(request.brokerId());
        if (sender == null || sender.epoch() != request.brokerEpoch()) {
            return ControllerResult.of(response.setErrorCode(Errors.STALE_BROKER_EPOCH.code()));
        }
        Set<Integer> live = liveBrokers(image);
        var records = new ArrayList<MetadataRecord>();
        for (AlterPartitionRequestData.TopicData topicData : request.topics()) {
            TopicImage topic = image.topic(topicData.topicId());
            var topicResponse = new AlterPartitionResponseData.TopicData().setTopicId(topicData.topicId());
            response.topics().add(topicResponse);
            for (AlterPartitionRequestData.PartitionData partitionData : topicData.partitions()) {
                var answer = new AlterPartitionResponseData.PartitionData()
                        .setPartitionIndex(partitionData.partitionIndex());
                topicResponse.partitions().add(answer);
                PartitionRegistration current = topic == null ? null
                        : topic.partitions().get(partitionData.partitionIndex());
                if (current == null) {
                    answer.setErrorCode((topic == null ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION)
                            .code());
                    continue;
                }
                Errors error = checkIsrChange(request.brokerId(), current, partitionData, live);
                if (error != Errors.NONE) {
                    answer.setErrorCode(error.code());
                    continue;
                }
                List<Integer> newIsr = newIsr(partitionData);
                int partitionEpoch = current.partitionEpoch();
                if (!newIsr.equals(current.isr())) {
                    partitionEpoch++;
                    records.add(new PartitionRecord(topic.id(), partitionData.partitionIndex(), current.replicas(),
                            newIsr, current.leader(), current.leaderEpoch(), partitionEpoch));
                }
                answer.setLeaderId(current.leader()).setLeaderEpoch(current.leaderEpoch()).setIsr(newIsr)
                        .setPartitionEpoch(partitionEpoch);
            }
        }
        return new ControllerResult<>(records, response);
    }

    private static List<Integer> newIsr(AlterPartitionRequestData.PartitionData data) {
        if (!data.newIsrWithEpochs().isEmpty()) {
            var isr = new ArrayList<Integer>();
            data.newIsrWithEpochs().forEach(state -> isr.add(state.brokerId()));
            return isr;
        }
        return new ArrayList<>(data.newIsr());
    }

    private static Errors checkIsrChange(int sender, PartitionRegistration current,
                                         AlterPartitionRequestData.PartitionData data, Set<Integer> live) {
        if (current.leader() != sender) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        if (data.leaderEpoch() > current.leaderEpoch()) {
            return Errors.UNKNOWN_LEADER_EPOCH;
        }
        if (data.leaderEpoch() < current.leaderEpoch()) {
            return Errors.FENCED_LEADER_EPOCH;
        }
        if (data.partitionEpoch() != current.partitionEpoch()) {
            return Errors.INVALID_UPDATE_VERSION;
        }
        List<Integer> isr = newIsr(data);
        if (!isr.contains(current.leader()) || new HashSet<>(isr).size() != isr.size()) {
            return Errors.INVALID_REQUEST;
        }
        for (int member : isr) {
            if (!current.replicas().contains(member)) {
                return Errors.INVALID_REQUEST;
            }
            // A member joining the ISR must be alive; one already in it may stay until the controller fences it.
            if (!current.isr().contains(member) && !live.contains(member)) {
                return Errors.INELIGIBLE_REPLICA;
            }
        }
        return Errors.NONE;
    }

    private static Set<Integer> liveBrokers(MetadataImage image) {
        return new HashSet<>(image.unfencedBrokerIds());
    }

    /** A predicate of topic names: whether the topic allows unclean leader election. */
    private java.util.function.Predicate<String> uncleanAllowed(MetadataImage image) {
        Map<String, Object> defaults = configs.topicDefaults(image);
        return topic -> Boolean.TRUE.equals(LogConfig.effectiveValues(defaults, image.topicConfig(topic))
                .get(LogConfig.UNCLEAN_LEADER_ELECTION_ENABLE));
    }
}
