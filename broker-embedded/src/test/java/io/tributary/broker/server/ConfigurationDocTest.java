package io.tributary.broker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.broker.log.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md must list every config the broker defines, so the reference stays true. */
class ConfigurationDocTest {
    @Test
    void referenceListsEveryBrokerAndTopicConfig() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        for (String name : BrokerConfig.names()) {
            assertThat(doc).as("docs/configuration.md documents broker config %s", name).contains("`" + name + "`");
        }
        for (LogConfig.Key key : LogConfig.keys()) {
            assertThat(doc).as("docs/configuration.md documents topic config %s", key.name())
                    .contains("`" + key.name() + "`");
        }
    }
}
