package io.tributary.spring.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What EmbeddedKafka needs and this module does not: Scala and the Kafka server jars. */
class ClasspathTest {

    @Test
    void noScalaOrKafkaServerJarsOnTheTestClasspath() {
        var entries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(path -> new File(path).getName()).toList();
        assertThat(entries).noneMatch(name -> name.startsWith("scala-library"))
                .noneMatch(name -> name.startsWith("kafka_2.")).noneMatch(name -> name.startsWith("kafka-server"))
                .noneMatch(name -> name.startsWith("kafka-metadata")).noneMatch(name -> name.startsWith("kafka-raft"));
        assertThat(entries).anyMatch(name -> name.startsWith("kafka-clients"));
    }
}
