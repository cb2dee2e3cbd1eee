package io.tributary.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Metadata as librdkafka 2.15 asks for it, side by side with Apache Kafka ({@link SideBySide}). Its Metadata v13
 * requests for all topics carry three bytes past the body; Kafka ignores them, and Tributary once closed the
 * connection instead, so every librdkafka program failed after its first full metadata refresh.
 */
class LibrdkafkaMetadataInteropTest {
    @RegisterExtension
    static final SideBySide brokers = new SideBySide();

    @Test
    void metadataForAllTopicsListsEveryTopic() throws Exception {
        assertThat(brokers.run("metadata", "list-topics")).containsExactly("topic listed-a", "topic listed-b");
    }

    @Test
    void periodicFullMetadataRefreshKeepsTheConnection() throws Exception {
        assertThat(brokers.run("metadata", "periodic-refresh")).containsExactly("brokers 1", "errors none");
    }
}
