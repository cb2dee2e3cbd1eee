package io.tributary.spring.listener;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.AcknowledgingConsumerAwareMessageListener;
import org.springframework.kafka.listener.KafkaBackoffException;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.listener.adapter.AbstractDelegatingMessageListenerAdapter;
import org.springframework.kafka.support.Acknowledgment;

/**
 * Stands between a container and the listener method of a listener with retry topics, which consumes its topics
 * and their retry topics in one container and one group. For each record, in this order:
 * <ol>
 * <li>with {@code keepKeyOrder}, a record whose key has an earlier record in retry is held: forwarded to the retry
 * topic behind it, and the listener never sees it here;</li>
 * <li>a record of a retry topic that is not due yet pauses its partition until it is and is thrown back as a
 * {@link KafkaBackoffException}, which the error handler seeks back without counting a failure (no offset moves);
 * </li>
 * <li>otherwise the listener gets the record. A failure goes to the error handler, whose recoverer is the
 * {@link RetryTopicForwarder}.</li>
 * </ol>
 * It also keeps {@link RetryTopicKeyOrder} in step with rebalances: on assignment of a retry partition its backlog is
 * read, on revocation forgotten. One instance serves all of the container's consumer threads; it holds no state of
 * its own.
 */
final class RetryTopicListener extends AbstractDelegatingMessageListenerAdapter<MessageListener<Object, Object>>
        implements AcknowledgingConsumerAwareMessageListener<Object, Object> {
    private final MessageListenerContainer container;
    private final RetryTopicNames topics;
    private final RetryTopicForwarder forwarder;
    private final RetryTopicKeyOrder keyOrder;
    private final RetryTopicBacklog backlog;
    private final RetryTopicPauses pauses;
    private final Clock clock;

    /** @param keyOrder and {@code backlog}: null without {@code keepKeyOrder} */
    RetryTopicListener(MessageListener<Object, Object> listener, MessageListenerContainer container,
                       RetryTopicNames topics, RetryTopicForwarder forwarder, RetryTopicKeyOrder keyOrder,
                       RetryTopicBacklog backlog, RetryTopicPauses pauses, Clock clock) {
        super(listener);
        this.container = container;
        this.topics = topics;
        this.forwarder = forwarder;
        this.keyOrder = keyOrder;
        this.backlog = backlog;
        this.pauses = pauses;
        this.clock = clock;
    }

    @Override
    public void onMessage(ConsumerRecord<Object, Object> record, Acknowledgment acknowledgment,
                          Consumer<?, ?> consumer) {
        boolean retried = topics.isRetryTopic(record.topic());
        var partition = new TopicPartition(topics.mainTopic(record.topic()), record.partition());
        long originalOffset = retried ? RetryTopicHeaders.originalOffset(record) : record.offset();
        if (keyOrder != null && keyOrder.hasEarlier(partition, record.key(), originalOffset)) {
            // Held again from the retry topic, it stays one copy in retry: its state does not change.
            forwarder.hold(record);
            return;
        }
        if (retried) {
            long dueMs = RetryTopicHeaders.dueMs(record);
            long waitMs = dueMs - clock.millis();
            if (waitMs > 0) {
                var retryPartition = new TopicPartition(record.topic(), record.partition());
                pauses.pauseUntil(container, retryPartition, dueMs);
                throw new KafkaBackoffException(retryPartition + "@" + record.offset() + " is due in " + waitMs
                        + " ms; its partition waits paused", retryPartition, container.getListenerId(), dueMs);
            }
        }
        invoke(record, acknowledgment, consumer);
        if (retried && keyOrder != null) {
            keyOrder.resolved(partition, record.key(), originalOffset);
        }
    }

    private void invoke(ConsumerRecord<Object, Object> record, Acknowledgment acknowledgment,
                        Consumer<?, ?> consumer) {
        switch (delegateType) {
            case ACKNOWLEDGING_CONSUMER_AWARE -> delegate.onMessage(record, acknowledgment, consumer);
            case ACKNOWLEDGING -> delegate.onMessage(record, acknowledgment);
            case CONSUMER_AWARE -> delegate.onMessage(record, consumer);
            case SIMPLE -> delegate.onMessage(record);
        }
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        if (keyOrder != null) {
            assignments.forEach((partition, position) -> {
                if (topics.isRetryTopic(partition.topic())) {
                    keyOrder.assigned(mainPartition(partition), backlog.read(partition, position));
                }
            });
        }
        super.onPartitionsAssigned(assignments, callback);
    }

    /**
     * Forgets revoked partitions. The empty collection of a stopping consumer names none: their state is only
     * looked at while they are assigned, and replaced when they are assigned again.
     */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (keyOrder != null && partitions != null) {
            partitions.stream().filter(partition -> topics.isRetryTopic(partition.topic()))
                    .forEach(partition -> keyOrder.revoked(mainPartition(partition)));
        }
        super.onPartitionsRevoked(partitions);
    }

    private TopicPartition mainPartition(TopicPartition partition) {
        return new TopicPartition(topics.mainTopic(partition.topic()), partition.partition());
    }
}
