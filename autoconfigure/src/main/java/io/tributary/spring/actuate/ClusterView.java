package io.tributary.spring.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The cluster as an operator asks about it: topics with their partitions, consumer groups with their lag, and
 * whether the cluster answers at all. Read through one Admin client (created on first use from Spring Boot's
 * {@code KafkaAdmin} settings, closed with the context), every call bounded by {@code timeout}.
 */
public final class ClusterView implements DisposableBean {
    private final KafkaAdmin kafkaAdmin;
    private final Duration timeout;
    private Admin admin;

    /** A cluster's identity as {@code describeCluster} answers it. */
    public record ClusterInfo(String clusterId, int nodes, String controller) {
    }

    public record TopicInfo(String name, List<PartitionInfo> partitions) {
    }

    public record PartitionInfo(int partition, int leader, List<Integer> replicas, List<Integer> isr, long endOffset) {
    }

    public record GroupInfo(String groupId, String state, int members, long lag, List<PartitionLag> partitions) {
    }

    public record PartitionLag(String topic, int partition, long committedOffset, long endOffset, long lag) {
    }

    ClusterView(KafkaAdmin kafkaAdmin, Duration timeout) {
        this.kafkaAdmin = kafkaAdmin;
        this.timeout = timeout;
    }

    /** Who the cluster is; fails when it does not answer within the timeout. */
    public ClusterInfo cluster() {
        DescribeClusterResult result = admin().describeCluster();
        Node controller = get(result.controller());
        return new ClusterInfo(get(result.clusterId()), get(result.nodes()).size(),
                controller == null ? null : controller.host() + ":" + controller.port());
    }

    /** Every non-internal topic, by name, with each partition's replicas and end offset. */
    public List<TopicInfo> topics() {
        Collection<String> names = get(admin().listTopics().names());
        Map<String, TopicDescription> descriptions = get(admin().describeTopics(names).allTopicNames());
        Map<TopicPartition, Long> ends = endOffsets(descriptions.values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .toList());
        return descriptions.values().stream().sorted(Comparator.comparing(TopicDescription::name))
                .map(d -> new TopicInfo(d.name(), d.partitions().stream()
                        .map(p -> partition(d.name(), p, ends)).toList()))
                .toList();
    }

    /** Consumer groups ({@code groupIds}, or all when null) with committed offsets and lag per partition. */
    public List<GroupInfo> groups(Collection<String> groupIds) {
        Collection<String> ids = groupIds != null ? groupIds : get(admin().listGroups().all()).stream()
                .filter(listing -> listing.protocol().isEmpty() || listing.protocol().equals("consumer"))
                .map(GroupListing::groupId).toList();
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, ConsumerGroupDescription> descriptions = get(admin().describeConsumerGroups(ids).all());
        Map<String, ListConsumerGroupOffsetsSpec> specs = new HashMap<>();
        ids.forEach(id -> specs.put(id, new ListConsumerGroupOffsetsSpec()));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = get(admin().listConsumerGroupOffsets(specs).all());
        Map<TopicPartition, Long> ends = endOffsets(committed.values().stream()
                .flatMap(offsets -> offsets.keySet().stream()).distinct().toList());
        List<GroupInfo> groups = new ArrayList<>();
        for (String id : ids.stream().sorted().toList()) {
            List<PartitionLag> partitions = new ArrayList<>();
            committed.getOrDefault(id, Map.of()).forEach((partition, offset) -> {
                if (offset != null && ends.containsKey(partition)) {
                    long end = ends.get(partition);
                    partitions.add(new PartitionLag(partition.topic(), partition.partition(), offset.offset(), end,
                            Math.max(end - offset.offset(), 0)));
                }
            });
            partitions.sort(Comparator.comparing(PartitionLag::topic).thenComparingInt(PartitionLag::partition));
            ConsumerGroupDescription description = descriptions.get(id);
            groups.add(new GroupInfo(id, description == null ? "UNKNOWN" : description.groupState().toString(),
                    description == null ? 0 : description.members().size(),
                    partitions.stream().mapToLong(PartitionLag::lag).sum(), partitions));
        }
        return groups;
    }

    private static PartitionInfo partition(String topic, TopicPartitionInfo partition, Map<TopicPartition, Long> ends) {
        return new PartitionInfo(partition.partition(), partition.leader() == null ? -1 : partition.leader().id(),
                partition.replicas().stream().map(Node::id).toList(), partition.isr().stream().map(Node::id).toList(),
                ends.getOrDefault(new TopicPartition(topic, partition.partition()), -1L));
    }

    private Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResultInfo> offsets = get(admin().listOffsets(latest).all());
        Map<TopicPartition, Long> ends = new HashMap<>();
        offsets.forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
            config.putIfAbsent("client.id", "tributary-actuator");
            admin = Admin.create(config);
        }
        return admin;
    }

    private <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while asking the cluster", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("The cluster answered with an error: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("The cluster did not answer within " + timeout.toMillis() + " ms", e);
        }
    }

    @Override
    public synchronized void destroy() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }

}
