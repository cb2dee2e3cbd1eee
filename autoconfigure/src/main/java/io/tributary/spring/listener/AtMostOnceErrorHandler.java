package io.tributary.spring.listener;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.CommonLoggingErrorHandler;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * At-most-once failure handling: the offset was committed before the listener ran, so a failure is logged and the
 * container moves on. The application's own {@link CommonErrorHandler}, when it has one, is told of each failed
 * record through {@code handleOne}, but its answer is ignored and it is never asked to seek: whatever it decides,
 * the record does not come again (a retrying handler only delays the next record by its back-off).
 */
final class AtMostOnceErrorHandler implements CommonErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(AtMostOnceErrorHandler.class);
    private final CommonLoggingErrorHandler logging = new CommonLoggingErrorHandler();
    private final CommonErrorHandler application;

    /** @param application the application's handler, or null */
    AtMostOnceErrorHandler(CommonErrorHandler application) {
        this.application = application;
    }

    CommonErrorHandler application() {
        return application;
    }

    @Override
    public boolean handleOne(Exception exception, ConsumerRecord<?, ?> record, Consumer<?, ?> consumer,
                             MessageListenerContainer container) {
        logging.handleOne(exception, record, consumer, container);
        tell(exception, record, consumer, container);
        return true;
    }

    @Override
    public void handleBatch(Exception exception, ConsumerRecords<?, ?> records, Consumer<?, ?> consumer,
                            MessageListenerContainer container, Runnable invokeListener) {
        logging.handleBatch(exception, records, consumer, container, invokeListener);
        records.forEach(record -> tell(exception, record, consumer, container));
    }

    @Override
    public void handleOtherException(Exception exception, Consumer<?, ?> consumer, MessageListenerContainer container,
                                     boolean batchListener) {
        // Not a record's failure (a poll or commit error): the application's handler decides, as without Tributary.
        if (application != null) {
            application.handleOtherException(exception, consumer, container, batchListener);
        } else {
            logging.handleOtherException(exception, consumer, container, batchListener);
        }
    }

    private void tell(Exception exception, ConsumerRecord<?, ?> record, Consumer<?, ?> consumer,
                      MessageListenerContainer container) {
        if (application == null) {
            return;
        }
        try {
            application.handleOne(exception, record, consumer, container);
        } catch (RuntimeException e) {
            log.warn("The application's error handler failed on {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.toString());
        }
    }
}
