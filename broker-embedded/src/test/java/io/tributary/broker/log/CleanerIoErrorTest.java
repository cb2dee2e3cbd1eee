package io.tributary.broker.log;

import static io.tributary.broker.log.CleanerTestLog.entries;
import static io.tributary.broker.log.CleanerTestLog.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.broker.log.CleanerTestLog.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An I/O error in the cleaner (here: the disk fills up while it writes a cleaned segment) takes the log directory
 * offline, as an append's does (Kafka's LogCleaner reports it to the LogDirFailureChannel): appends are refused, the
 * cleaner leaves the log alone, and a reopen once the fault is gone finds exactly the records the log had.
 */
class CleanerIoErrorTest {
    private static final long T = 1_700_000_000_000L;
    private static final int BATCH = CleanerTestLog.keyed(T, "a", "v0").sizeInBytes();

    @TempDir
    Path logDir;

    private final ManualTime time = new ManualTime(T);
    private final LogDirFailures failures = new LogDirFailures();
    private final List<PartitionLog> logs = new ArrayList<>();

    @AfterEach
    void clearFaultAndClose() {
        Cleaner.beforeWrite = Cleaner.NO_FAULT;
        logs.forEach(PartitionLog::close);
    }

    private PartitionLog open() {
        LogConfig config = TestBatches.config(Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES,
                String.valueOf(3 * BATCH)));
        // Recovery point 0: the reopen scans the log as after a crash.
        PartitionLog log = PartitionLog.open(TestBatches.PARTITION, logDir.resolve("t-0"), config, 0, 0,
                (task, delayMs) -> task.run(), time.milliseconds(), batch -> { }, new SplittableRandom(0), failures);
        logs.add(log);
        return log;
    }

    private LogCleaner cleaner() {
        return new LogCleaner(new CleanerConfig(true, 1, 1024 * 1024, 0.9, 64 * 1024, Double.MAX_VALUE, 15_000),
                List.of(logDir), () -> logs, time, failures);
    }

    @Test
    void forgettingAPartitionOfAnOfflineDirLeavesItsCheckpointAlone() throws Exception {
        PartitionLog log = open();
        String keys = "abacc" + "ddeef";
        for (int i = 0; i < keys.length(); i++) {
            put(log, keys.substring(i, i + 1), "v" + i, T);
        }
        LogCleaner cleaner = cleaner();
        assertThat(cleaner.cleanOnce()).isTrue();
        Path checkpoint = logDir.resolve(LogCleaner.CHECKPOINT);
        Map<String, Long> written = Checkpoints.readOffsets(checkpoint);
        assertThat(written).hasSize(1);
        byte[] before = Files.readAllBytes(checkpoint);

        failures.markOffline(logDir, "Test: the disk failed", new IOException("Input/output error"));
        // The topic is deleted while its directory is offline: the directory must not be written to at all.
        cleaner.abortAndForget(TestBatches.PARTITION);

        assertThat(Files.readAllBytes(checkpoint)).isEqualTo(before);
        assertThat(Checkpoints.readOffsets(checkpoint)).isEqualTo(written);
    }

    @Test
    void aWriteErrorTakesTheLogDirOfflineAndLeavesTheLogAsItWas() throws Exception {
        PartitionLog log = open();
        // Segments [a b a] [c c d] [d e e] [f]: the first group the cleaner writes keeps b and the second a.
        String keys = "abacc" + "ddeef";
        for (int i = 0; i < keys.length(); i++) {
            put(log, keys.substring(i, i + 1), "v" + i, T);
        }
        List<Entry> before = entries(log);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 3L, 6L, 9L);

        Cleaner.beforeWrite = (file, channel, bytes) -> {
            ByteBuffer half = bytes.duplicate();
            half.limit(half.position() + half.remaining() / 2);
            while (half.hasRemaining()) {
                channel.write(half);
            }
            throw new IOException("No space left on device");
        };
        LogCleaner cleaner = cleaner();
        assertThat(cleaner.cleanOnce()).isTrue();

        assertThat(log.isOffline()).isTrue();
        assertThat(failures.offlineDirs()).containsExactly(logDir.toAbsolutePath().normalize());
        assertThatThrownBy(() -> put(log, "k0", "after", T)).isInstanceOf(KafkaStorageException.class);
        assertThat(entries(log)).isEqualTo(before);
        // The cleaner does not go on retrying a log whose directory failed.
        Cleaner.beforeWrite = Cleaner.NO_FAULT;
        assertThat(cleaner.cleanOnce()).isFalse();
        log.close();
        logs.clear();

        PartitionLog reopened = open();
        assertThat(reopened.logEndOffset()).isEqualTo(10);
        assertThat(entries(reopened)).isEqualTo(before);
        try (Stream<Path> files = Files.list(logDir.resolve("t-0"))) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .noneMatch(name -> name.endsWith(PartitionLog.CLEANED_SUFFIX)
                            || name.endsWith(PartitionLog.SWAP_SUFFIX));
        }
    }
}
