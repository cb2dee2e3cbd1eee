package io.tributary.spring.broker;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which cluster the application uses, as the startup line, the {@code tributary} health component and the actuator
 * endpoint all state it.
 *
 * @param mode {@code embedded} (a broker node runs in the application) or {@code external}
 * @param bootstrapServers where the application's Kafka clients connect
 * @param source where that address came from: {@code embedded broker}, the {@code spring.kafka.*} property that set
 *     it, Spring Boot's default, or the {@code KafkaConnectionDetails} bean that gave it
 * @param dataDir the embedded broker's data directory, null when external
 * @param ephemeral whether that directory is deleted when the application stops
 * @param change how to choose otherwise
 */
public record ClusterSummary(String mode, List<String> bootstrapServers, String source, Path dataDir,
                             boolean ephemeral, String change) {

    /** The summary as health and endpoint details. */
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mode", mode);
        details.put("bootstrapServers", String.join(",", bootstrapServers));
        details.put("source", source);
        if (dataDir != null) {
            details.put("dataDir", dataDir.toString());
            details.put("ephemeral", ephemeral);
        }
        details.put("change", change);
        return details;
    }

    /** The summary in one sentence, for the startup line. */
    String describe() {
        String where = String.join(",", bootstrapServers);
        if (mode.equals("embedded")) {
            return "embedded broker at " + where + (source.equals("embedded broker") ? "" : " (clients use " + source
                    + ")") + ", data in " + dataDir + (ephemeral ? " (deleted on stop)" : "") + "; " + change;
        }
        return "external cluster at " + where + " (from " + source + "); " + change;
    }
}
