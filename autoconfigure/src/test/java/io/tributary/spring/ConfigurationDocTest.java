package io.tributary.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The generated configuration metadata (what IDEs complete) lists every {@code tributary.*} property, and
 * docs/spring-configuration.md documents each one, so the reference stays true.
 */
class ConfigurationDocTest {

    @Test
    void everyPropertyIsInTheMetadataAndDocumented() throws IOException {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated configuration metadata").isNotNull();
            metadata = JsonMapper.shared().readTree(in);
        }
        String doc = Files.readString(Path.of("..", "docs", "spring-configuration.md"));
        int properties = 0;
        for (JsonNode property : metadata.get("properties")) {
            String name = property.get("name").asString();
            assertThat(property.has("description")).as("%s has a description", name).isTrue();
            assertThat(doc).as("docs/spring-configuration.md documents %s", name).contains("`" + name);
            properties++;
        }
        assertThat(properties).isGreaterThanOrEqualTo(15);
    }
}
