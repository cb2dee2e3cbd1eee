package io.tributary.broker;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the broker's layering honest: server → network → api → replication/group → metadata/txn → log. A lower layer
 * never imports an upper one. {@code metrics} holds plain counters that any layer may record into and that depend on
 * nothing of the broker's, so it sits below all of them.
 */
class LayeringTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        // Main classes only, whatever the build folder is called (see build.dir.name in the root pom).
        classes = new ClassFileImporter()
                .withImportOption(location -> !location.contains("/test-classes/"))
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("io.tributary.broker");
    }

    @Test
    void layersOnlyDependDownwards() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("server").definedBy("io.tributary.broker.server..")
                .layer("network").definedBy("io.tributary.broker.network..")
                .layer("api").definedBy("io.tributary.broker.api..")
                .layer("replication").definedBy("io.tributary.broker.replication..")
                .layer("group").definedBy("io.tributary.broker.group..")
                .layer("metadata").definedBy("io.tributary.broker.metadata..")
                .layer("txn").definedBy("io.tributary.broker.txn..")
                .layer("log").definedBy("io.tributary.broker.log..")
                .layer("metrics").definedBy("io.tributary.broker.metrics..")
                .whereLayer("server").mayNotBeAccessedByAnyLayer()
                .whereLayer("network").mayOnlyBeAccessedByLayers("server")
                .whereLayer("api").mayOnlyBeAccessedByLayers("network", "server")
                .whereLayer("replication").mayOnlyBeAccessedByLayers("api", "server")
                .whereLayer("group").mayOnlyBeAccessedByLayers("api", "server")
                .whereLayer("metadata").mayOnlyBeAccessedByLayers("api", "replication", "server")
                .whereLayer("txn").mayOnlyBeAccessedByLayers("api", "replication", "server")
                .whereLayer("log").mayOnlyBeAccessedByLayers("api", "replication", "metadata", "txn", "server")
                .whereLayer("metrics").mayOnlyBeAccessedByLayers("server", "network", "api", "replication", "group",
                        "metadata", "txn", "log")
                .check(classes);
    }

    @Test
    void brokerHasNoSpringDependency() {
        noClasses().should().dependOnClassesThat().resideInAPackage("org.springframework..").check(classes);
    }
}
