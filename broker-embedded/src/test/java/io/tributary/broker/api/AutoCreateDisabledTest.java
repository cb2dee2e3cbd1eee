package io.tributary.broker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import io.tributary.broker.testing.WireClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With {@code auto.create.topics.enable=false} an unknown topic stays unknown, whatever the client asks. */
class AutoCreateDisabledTest {
    @TempDir
    Path dataDir;

    @Test
    void unknownTopicsStayUnknownWhenAutoCreationIsDisabled() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("auto.create.topics.enable", "false"))) {
            try (WireClient wire = WireClient.connect(broker.bootstrapServers())) {
                MetadataResponse response = wire.send(new MetadataRequest.Builder(List.of("never"), true));
                assertThat(Errors.forCode(response.data().topics().find("never").errorCode()))
                        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
            }

            try (KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_500))) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("never", "k", "v")).get())
                        .hasCauseInstanceOf(TimeoutException.class)
                        .hasMessageContaining("not present in metadata");
            }

            try (Admin admin = Clients.admin(broker.bootstrapServers())) {
                assertThat(admin.listTopics().names().get()).doesNotContain("never");
            }
        }
    }
}
