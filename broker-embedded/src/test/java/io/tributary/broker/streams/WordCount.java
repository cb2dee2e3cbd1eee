package io.tributary.broker.streams;

import java.util.Arrays;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Kafka Streams' quick-start word count: lines split into lowercase words, regrouped by word (a repartition topic),
 * counted in the store {@value #STORE} (a compacted changelog topic), every new count published to the output.
 */
final class WordCount {
    static final String STORE = "counts-store";

    private WordCount() {
    }

    static Topology topology(String input, String output) {
        var builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
                .groupBy((key, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
                .count(Materialized.as(STORE))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    static String repartitionTopic(String applicationId) {
        return applicationId + "-" + STORE + "-repartition";
    }

    static String changelogTopic(String applicationId) {
        return applicationId + "-" + STORE + "-changelog";
    }
}
