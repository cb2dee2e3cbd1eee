package io.tributary.broker.server;

import io.tributary.broker.group.GroupCoordinator;
import io.tributary.broker.metadata.ConfigResolver;
import io.tributary.broker.metadata.MetadataImage;
import io.tributary.broker.metadata.TopicImage;
import io.tributary.broker.replication.ReplicaManager;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node does with each metadata image the controller publishes, in order: the replica manager follows it
 * (opens, reconfigures and removes partition logs), then the group coordinator deletes every group's offsets of
 * the topics the image no longer has, as Kafka's {@code BrokerMetadataPublisher} hands each delta's deleted topics
 * to its group coordinator.
 *
 * <p>Runs on the controller's thread, one image at a time and before the change is acknowledged, so the previous
 * image it keeps has a single writer and a client told "deleted" finds the offsets gone. The group coordinator is
 * attached once the controller has loaded the metadata log (it reaches {@code __consumer_offsets} through the
 * controller); the image published while loading has nothing to report, since a start compares it with the empty
 * image.
 */
final class BrokerMetadataPublisher implements Consumer<MetadataImage> {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetadataPublisher.class);

    private final ReplicaManager replicaManager;
    private final ConfigResolver configs;
    private volatile GroupCoordinator groupCoordinator;
    private MetadataImage previous = MetadataImage.EMPTY;

    BrokerMetadataPublisher(ReplicaManager replicaManager, ConfigResolver configs) {
        this.replicaManager = replicaManager;
        this.configs = configs;
    }

    /** From now on, deleted topics are reported to {@code coordinator}. */
    void attach(GroupCoordinator coordinator) {
        this.groupCoordinator = coordinator;
    }

    @Override
    public void accept(MetadataImage image) {
        replicaManager.applyImage(image, configs);
        Set<String> deleted = deletedTopics(previous, image);
        previous = image;
        GroupCoordinator groups = groupCoordinator;
        if (groups == null || deleted.isEmpty()) {
            return;
        }
        try {
            groups.onTopicsDeleted(deleted);
        } catch (RuntimeException e) {
            // The deletion is committed whatever happens here; failing the controller's write would only tell the
            // client otherwise.
            log.error("Could not delete the committed offsets of deleted topics {}", deleted, e);
        }
    }

    /**
     * The names, in {@code before}, of its topics whose id {@code after} no longer has: a topic deleted and created
     * again under its name has a new id, so it counts as deleted too.
     */
    static Set<String> deletedTopics(MetadataImage before, MetadataImage after) {
        var deleted = new LinkedHashSet<String>();
        for (TopicImage topic : before.topicsByName().values()) {
            if (after.topic(topic.id()) == null) {
                deleted.add(topic.name());
            }
        }
        return deleted;
    }
}
