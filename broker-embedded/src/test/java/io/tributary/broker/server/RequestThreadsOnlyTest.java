package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code network.inline.handling.enable=false}: Produce and Fetch go to the request threads, as every request does in
 * Kafka; the default handles them on the network thread (every other broker test runs that way).
 */
class RequestThreadsOnlyTest {
    @TempDir
    Path dataDir;

    @Test
    void theSettingChoosesWhereProduceAndFetchAreHandled() {
        assertThat(BrokerConfig.defaults().inlineApis()).containsExactlyInAnyOrder(ApiKeys.PRODUCE, ApiKeys.FETCH);
        assertThat(BrokerConfig.fromMap(Map.of("network.inline.handling.enable", "false")).inlineApis()).isEmpty();
    }

    @Test
    void produceAndFetchWorkOnRequestThreadsAlone() throws Exception {
        try (TestBroker broker = TestBroker.start(dataDir, Map.of("network.inline.handling.enable", "false",
                "num.io.threads", "1"))) {
            String bootstrap = broker.bootstrapServers();
            try (var producer = Clients.producer(bootstrap)) {
                for (int i = 0; i < 50; i++) {
                    producer.send(new ProducerRecord<>("on-request-threads", 0, "k" + i, "v" + i));
                }
                producer.flush();
            }
            List<ConsumerRecord<String, String>> read = Clients.readExactly(bootstrap,
                    new TopicPartition("on-request-threads", 0), 0, 50);
            assertThat(read).extracting(ConsumerRecord::value).first().isEqualTo("v0");
            assertThat(read).extracting(ConsumerRecord::value).last().isEqualTo("v49");
        }
    }
}
