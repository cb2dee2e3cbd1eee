package io.tributary.broker.log;

import static io.tributary.broker.log.TestBatches.PARTITION;
import static io.tributary.broker.log.TestBatches.batch;
import static io.tributary.broker.log.TestBatches.values;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery-point and log-start checkpoints describe one incarnation of a partition: a topic deleted and
 * created again under the same name (a new topic id) starts empty at offset 0, whether it is re-created while
 * the checkpoint of the old one is in memory (read at start) or a crash leaves that checkpoint on disk beside the
 * new incarnation's log.
 */
class RecreatedPartitionCheckpointTest {
    private static final long T = 1_700_000_000_000L;
    private static final Uuid OLD_ID = Uuid.randomUuid();
    private static final Uuid NEW_ID = Uuid.randomUuid();
    private static final LogConfig CONFIG = TestBatches.config(Map.of());

    @TempDir
    Path logDir;
    @TempDir
    Path crashImage;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopScheduler() throws InterruptedException {
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private LogManager start(Path dir) {
        return new LogManager(List.of(dir), Time.SYSTEM, scheduler, CleanerConfig.defaults());
    }

    private static void appendValues(PartitionLog log, int count) {
        for (int i = 0; i < count; i++) {
            TestBatches.append(log, batch(log.logEndOffset(), T, 1), T);
        }
    }

    private static List<String> readAll(PartitionLog log) {
        return values(log.read(log.logStartOffset(), Integer.MAX_VALUE, log.logEndMetadata(), true));
    }

    /** An incarnation with ten records and its log start moved to 6 (DeleteRecords), checkpointed. */
    private static void writeOldIncarnation(LogManager manager) {
        PartitionLog old = manager.getOrCreate(PARTITION, OLD_ID, CONFIG);
        appendValues(old, 10);
        assertThat(old.advanceLogStartOffset(6)).isEqualTo(6);
        manager.checkpoint();
    }

    @Test
    void aPartitionRecreatedAfterARestartStartsAtZero() {
        LogManager first = start(logDir);
        writeOldIncarnation(first);
        first.close();

        LogManager restarted = start(logDir);
        try {
            PartitionLog old = restarted.getOrCreate(PARTITION, OLD_ID, CONFIG);
            assertThat(old.logStartOffset()).isEqualTo(6);
            restarted.delete(PARTITION);

            PartitionLog recreated = restarted.getOrCreate(PARTITION, NEW_ID, CONFIG);
            assertThat(recreated.logStartOffset()).isZero();
            assertThat(recreated.logEndOffset()).isZero();
            assertThat(recreated.segmentBaseOffsets()).containsExactly(0L);
            appendValues(recreated, 3);
            assertThat(readAll(recreated)).containsExactly("v0000", "v0001", "v0002");
        } finally {
            restarted.close();
        }

        LogManager again = start(logDir);
        try {
            PartitionLog reopened = again.getOrCreate(PARTITION, NEW_ID, CONFIG);
            assertThat(reopened.logStartOffset()).isZero();
            assertThat(readAll(reopened)).containsExactly("v0000", "v0001", "v0002");
        } finally {
            again.close();
        }
    }

    @Test
    void aCheckpointOfTheDeletedIncarnationLeftByACrashDoesNotApplyToTheNewOne() throws IOException {
        LogManager running = start(logDir);
        try {
            writeOldIncarnation(running);
            running.delete(PARTITION);
            appendValues(running.getOrCreate(PARTITION, NEW_ID, CONFIG), 3);
            // The process dies here, before the next checkpoint: the directory as a crash leaves it.
            copyWithoutLock(logDir, crashImage);
        } finally {
            running.close();
        }

        LogManager recovered = start(crashImage);
        try {
            PartitionLog log = recovered.getOrCreate(PARTITION, NEW_ID, CONFIG);
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(readAll(log)).containsExactly("v0000", "v0001", "v0002");
        } finally {
            recovered.close();
        }
    }

    @Test
    void theCheckpointStillAppliesToTheIncarnationItWasWrittenFor() {
        LogManager first = start(logDir);
        writeOldIncarnation(first);
        first.close();

        LogManager restarted = start(logDir);
        try {
            PartitionLog log = restarted.getOrCreate(PARTITION, OLD_ID, CONFIG);
            assertThat(log.logStartOffset()).isEqualTo(6);
            assertThat(readAll(log)).containsExactly("v0006", "v0007", "v0008", "v0009");
        } finally {
            restarted.close();
        }
    }

    @Test
    void aCheckpointWrittenBeforeEntriesCarriedTopicIdsAppliesToTheLogOnDisk() throws IOException {
        LogManager first = start(logDir);
        writeOldIncarnation(first);
        first.close();
        // Version 0: "topic partition offset", no topic id.
        Files.writeString(logDir.resolve(LogManager.LOG_START_OFFSET_CHECKPOINT), "0\n1\nt 0 6\n");
        Files.writeString(logDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT), "0\n1\nt 0 10\n");

        LogManager restarted = start(logDir);
        try {
            PartitionLog log = restarted.getOrCreate(PARTITION, OLD_ID, CONFIG);
            assertThat(log.logStartOffset()).isEqualTo(6);
            restarted.delete(PARTITION);
            assertThat(restarted.getOrCreate(PARTITION, NEW_ID, CONFIG).logStartOffset()).isZero();
        } finally {
            restarted.close();
        }
    }

    private static void copyWithoutLock(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.getFileName().toString().equals(".lock")) {
                    Files.copy(file, target);
                }
            }
        }
    }
}
