package io.tributary.broker.metadata;

import java.util.List;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;

/** One config as DescribeConfigs reports it: effective value, where it came from, and its synonyms in order. */
public record ConfigEntry(String name, String value, ConfigSource source, boolean readOnly, boolean sensitive,
                          List<Synonym> synonyms) {
    /** A setting that could supply this config's value, highest precedence first. */
    public record Synonym(String name, String value, ConfigSource source) {
    }
}
