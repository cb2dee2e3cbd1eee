package io.tributary.broker.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.testing.Clients;
import io.tributary.broker.testing.CommittedReader;
import io.tributary.broker.testing.StreamsApp;
import io.tributary.broker.testing.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topology built with the Processor API (source, custom processor, sink; no KStream or KTable) under
 * {@code exactly_once_v2}.
 */
class ProcessorApiStreamsTest {
    private static final String INPUT = "filter-input";
    private static final String OUTPUT = "filter-output";

    @TempDir
    static Path brokerDir;

    @TempDir
    Path stateDir;

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestBroker.start(brokerDir, TestBroker.FAST_TRANSACTIONS);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /**
     * Forwards values longer than five characters and asks for a commit after every record, so under
     * exactly_once_v2 nearly every record is a transaction of its own.
     */
    static final class FilterProcessor implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, String> record) {
            if (record.value().length() > 5) {
                context.forward(record);
            }
            context.commit();
        }
    }

    @Test
    void customProcessorForwardsOnlyTheValuesItKeeps() throws Exception {
        Clients.createTopic(broker.bootstrapServers(), INPUT, 3, Map.of());
        Clients.createTopic(broker.bootstrapServers(), OUTPUT, 3, Map.of());
        var topology = new Topology()
                .addSource("Source", Serdes.String().deserializer(), Serdes.String().deserializer(), INPUT)
                .addProcessor("Filter", FilterProcessor::new, "Source")
                .addSink("Sink", OUTPUT, Serdes.String().serializer(), Serdes.String().serializer(), "Filter");

        try (StreamsApp ignored = StreamsApp.builder(broker.bootstrapServers(), "filter-processor", stateDir)
                .start(topology);
             KafkaProducer<String, String> producer = Clients.producer(broker.bootstrapServers())) {
            List<String> values = List.of("hello", "streams", "kafka", "exactly-once", "broker", "tiny", "records");
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(INPUT, i % 3, "k" + i, values.get(i))).get();
            }

            List<String> output = CommittedReader.readUntil(broker.bootstrapServers(), OUTPUT,
                            new StringDeserializer(), read -> read.size() >= 4, Duration.ofSeconds(30))
                    .stream().map(record -> record.key() + "=" + record.value()).toList();

            // "hello" and "kafka" have exactly five characters: not longer, so filtered out.
            assertThat(output).containsExactlyInAnyOrder("k1=streams", "k3=exactly-once", "k4=broker", "k6=records");
        }
    }
}
