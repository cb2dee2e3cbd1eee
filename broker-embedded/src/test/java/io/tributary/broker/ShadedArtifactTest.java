package io.tributary.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.tributary.broker.testing.Clients;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published main jar (what applications embed) carries kafka-clients relocated to
 * {@code io.tributary.shaded.org.apache.kafka} and nothing of it unrelocated, and it runs on its own: a broker loaded
 * from it with only the broker's non-optional dependencies beside it (Netty, SLF4J, the compression libraries),
 * and no kafka-clients at all, serves real clients.
 *
 * <p>Runs in the {@code shaded-artifact} execution of broker-embedded/pom.xml, after {@code package}, which passes
 * the jar as the system property {@value #JAR_PROPERTY} (and the runnable jar as
 * {@value #STANDALONE_JAR_PROPERTY}); anywhere else (the default test execution, an IDE) it is
 * skipped.
 */
class ShadedArtifactTest {
    static final String JAR_PROPERTY = "tributary.broker.jar";
    static final String STANDALONE_JAR_PROPERTY = "tributary.broker.standalone.jar";
    private static final String RELOCATED = "io/tributary/shaded/org/apache/kafka/";
    /** File name prefixes of the jars a consumer of tributary-broker gets with it (its non-optional dependencies). */
    private static final List<String> RUNTIME_JARS =
            List.of("netty-", "slf4j-api-", "zstd-jni-", "lz4-java-", "snappy-java-");
    /** JVM-wide system property names kafka-clients reads; relocation must leave them as they are. */
    private static final Map<String, String> SYSTEM_PROPERTY_READERS = Map.of(
            "common/config/AbstractConfig.class", "org.apache.kafka.automatic.config.providers",
            "common/security/JaasContext.class", "org.apache.kafka.disallowed.login.modules",
            "common/security/oauthbearer/internals/secured/ConfigurationUtils.class",
            "org.apache.kafka.sasl.oauthbearer.allowed.urls");

    private static Path jar;

    @BeforeAll
    static void locateJar() {
        String path = System.getProperty(JAR_PROPERTY);
        assumeTrue(path != null, "runs in the shaded-artifact execution (mvn verify), which passes " + JAR_PROPERTY);
        jar = Path.of(path);
        assertThat(jar).isRegularFile();
    }

    @Test
    void holdsTheBrokerAndEveryKafkaClientsClassRelocated() throws Exception {
        Set<String> names = entryNames(jar);
        assertThat(names).noneMatch(name -> name.startsWith("org/apache/kafka/"))
                .contains("io/tributary/broker/server/Broker.class", "io/tributary/broker/server/BrokerConfig.class",
                        "io/tributary/broker/server/BrokerMain.class");
        assertThat(names.stream().filter(name -> name.endsWith(".class")))
                .allMatch(name -> name.startsWith("io/tributary/broker/") || name.startsWith(RELOCATED));

        // Every class of the kafka-clients this module compiles against, at its relocated name.
        Path kafkaClients = Path.of(ApiKeys.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> kafkaClasses = entryNames(kafkaClients).stream()
                .filter(name -> name.startsWith("org/apache/kafka/") && name.endsWith(".class"))
                .map(name -> "io/tributary/shaded/" + name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(kafkaClasses).hasSizeGreaterThan(1000);
        assertThat(names).containsAll(kafkaClasses);

        // Nothing that would clash with, or shadow, an application's own jars.
        assertThat(names).noneMatch(name -> name.endsWith("module-info.class"))
                .noneMatch(name -> name.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"))
                .doesNotContain("kafka/kafka-version.properties")
                .noneMatch(name -> name.startsWith("common/message/"))
                .noneMatch(name -> name.startsWith("META-INF/services/org.apache.kafka"));
    }

    /**
     * The runnable jar is built from the broker's unrelocated classes. An incremental build once fed the previous
     * build's shaded main jar back into both shade executions (the jar plugin took it for up to date), and the
     * runnable jar then carried kafka-clients twice.
     */
    @Test
    void standaloneJarHoldsNoRelocatedCopy() throws IOException {
        Path standalone = Path.of(System.getProperty(STANDALONE_JAR_PROPERTY));
        Set<String> names = entryNames(standalone);
        assertThat(names).contains("io/tributary/broker/server/BrokerMain.class",
                        "org/apache/kafka/common/protocol/ApiKeys.class")
                .noneMatch(name -> name.startsWith("io/tributary/shaded/"));
    }

    @Test
    void serviceEntriesNameRelocatedClasses() throws IOException {
        String service = "META-INF/services/io.tributary.shaded.org.apache.kafka.common.config.provider.ConfigProvider";
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry entry = file.getJarEntry(service);
            assertThat(entry).as(service).isNotNull();
            List<String> providers;
            try (InputStream in = file.getInputStream(entry)) {
                providers = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                        .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
            }
            assertThat(providers).isNotEmpty()
                    .allMatch(provider -> provider.startsWith("io.tributary.shaded.org.apache.kafka."))
                    .allMatch(provider -> file.getJarEntry(provider.replace('.', '/') + ".class") != null);
        }
    }

    /**
     * What the code uses (calls, field accesses, signatures, annotations, class literals), as ArchUnit reads it. A
     * byte search of the class files would not do: javac leaves an unused constant pool entry for the class of an
     * inlined constant ({@code RecordBatch.NO_PRODUCER_EPOCH}), and shade copies the constant pool as it is, so that
     * dead entry keeps its unrelocated name although nothing can ever resolve it.
     */
    @Test
    void noClassDependsOnUnrelocatedKafkaClients() {
        // The jar alone: what it refers to outside itself only needs its name, not its class file.
        JavaClasses classes = ArchConfiguration.withThreadLocalScope(configuration -> {
            configuration.setResolveMissingDependenciesFromClassPath(false);
            try (JarFile file = new JarFile(jar.toFile())) {
                return new ClassFileImporter().importJar(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(classes.size()).isGreaterThan(4000);
        noClasses().should().dependOnClassesThat().resideInAPackage("org.apache.kafka..")
                .because("the main jar must run beside any kafka-clients version, or none")
                .check(classes);
    }

    /** Class names in strings (reflection) in the broker's own code: relocation would rewrite them silently. */
    @Test
    void brokerCodeNamesNoKafkaClassInStrings() throws IOException {
        var offenders = new ArrayList<String>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : file.stream()
                    .filter(e -> e.getName().startsWith("io/tributary/broker/") && e.getName().endsWith(".class"))
                    .toList()) {
                if (read(file, entry).contains("io.tributary.shaded.org.apache.kafka")) {
                    offenders.add(entry.getName());
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void systemPropertyNamesStayUnrelocated() throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            SYSTEM_PROPERTY_READERS.forEach((reader, property) -> {
                JarEntry entry = file.getJarEntry(RELOCATED + reader);
                assertThat(entry).as(reader).isNotNull();
                String text = read(file, entry);
                assertThat(text).as(reader).contains(property).doesNotContain("io.tributary.shaded." + property);
            });
        }
    }

    /**
     * The broker from the main jar alone (plus its dependencies, no kafka-clients) starts, serves an admin client,
     * a producer and a consumer (kafka-clients 4.2.1 from the test classpath, so two copies in one JVM), and
     * recompresses into each topic's compression type, so the relocated codecs find zstd-jni, lz4-java and
     * snappy-java.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void brokerRunsFromTheJarWithoutKafkaClients(@TempDir Path tmp) throws Exception {
        var urls = new ArrayList<URL>();
        urls.add(jar.toUri().toURL());
        var found = new TreeSet<String>();
        for (String element : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(element).getFileName().toString();
            for (String prefix : RUNTIME_JARS) {
                if (name.startsWith(prefix) && name.endsWith(".jar")) {
                    assertThat(entryNames(Path.of(element))).noneMatch(entry -> entry.startsWith("org/apache/kafka/"));
                    urls.add(Path.of(element).toUri().toURL());
                    found.add(prefix);
                }
            }
        }
        assertThat(found).containsExactlyInAnyOrderElementsOf(RUNTIME_JARS);

        Path logDir = tmp.resolve("logs");
        try (var loader = new URLClassLoader("shaded-broker", urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> loader.loadClass(ApiKeys.class.getName()))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> configClass = loader.loadClass("io.tributary.broker.server.BrokerConfig");
            Class<?> brokerClass = loader.loadClass("io.tributary.broker.server.Broker");
            assertThat(brokerClass.getClassLoader()).isSameAs(loader);
            Object config = configClass.getMethod("fromMap", Map.class).invoke(null,
                    Map.of("log.dirs", logDir.toString(), "listeners", "PLAINTEXT://127.0.0.1:0"));

            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(loader);
            AutoCloseable broker;
            try {
                broker = (AutoCloseable) brokerClass.getMethod("start", configClass).invoke(null, config);
            } catch (InvocationTargetException e) {
                throw new AssertionError("Broker.start failed", e.getCause());
            } finally {
                thread.setContextClassLoader(previous);
            }
            try (broker) {
                String bootstrap = (String) brokerClass.getMethod("bootstrapServers").invoke(broker);
                servesClients(bootstrap, logDir);
            }
        }
    }

    private static void servesClients(String bootstrap, Path logDir) throws Exception {
        Map<String, CompressionType> topics = Map.of(
                "zstd-topic", CompressionType.ZSTD, "lz4-topic", CompressionType.LZ4,
                "snappy-topic", CompressionType.SNAPPY);
        for (var topic : topics.entrySet()) {
            Clients.createTopic(bootstrap, topic.getKey(), 1, Map.of("compression.type", topic.getValue().name));
        }
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of("compression.type", "none"))) {
            for (String topic : topics.keySet()) {
                producer.send(new ProducerRecord<>(topic, "key", "value of " + topic)).get(30, TimeUnit.SECONDS);
            }
        }
        for (var topic : topics.entrySet()) {
            List<ConsumerRecord<String, String>> records =
                    Clients.readExactly(bootstrap, new TopicPartition(topic.getKey(), 0), 0, 1);
            assertThat(records).extracting(ConsumerRecord::value).containsExactly("value of " + topic.getKey());
            // The broker rewrote the producer's uncompressed batch with the topic's codec.
            Path segment = logDir.resolve(topic.getKey() + "-0").resolve("00000000000000000000.log");
            try (FileRecords log = FileRecords.open(segment.toFile(), false)) {
                var codecs = new ArrayList<CompressionType>();
                for (RecordBatch batch : log.batches()) {
                    codecs.add(batch.compressionType());
                }
                assertThat(codecs).as(topic.getKey()).containsExactly(topic.getValue());
            }
        }
    }

    private static Set<String> entryNames(Path path) throws IOException {
        try (JarFile file = new JarFile(path.toFile())) {
            return file.stream().map(JarEntry::getName).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String read(JarFile file, JarEntry entry) {
        try (InputStream in = file.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
